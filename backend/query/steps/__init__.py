"""The compiler's steps, small pure functions; `backend.query.compiler.STEPS` orders them."""
