"""Turning uploaded files into warehouse datasets: read, infer types, write Parquet atomically."""
