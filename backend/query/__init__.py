"""The query spec and its compiler: JSON from the UI in, a sqlglot tree out."""
