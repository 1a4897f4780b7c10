"""Pre-computed joins: an admin declares a frequent join once; queries it covers read the
materialized result instead of joining again (see `rewrite`)."""
