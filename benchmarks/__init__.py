"""Benchmarks and synthetic organisations (see README: Performance)."""
