"""Use cases between the routes and the adapters: compile, gate, run, shape."""
