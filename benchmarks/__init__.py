"""Benchmarks for sending at scale: `python -m benchmarks` (or `make bench`).

Results go to benchmarks/README.md; every figure is a ratio or rate measured in one run.
"""
