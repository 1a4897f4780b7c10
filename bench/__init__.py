"""Benchmarks: `make bench` prints a table and writes it to bench/results/."""
