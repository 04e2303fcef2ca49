"""Benchmarks: commands that print ratios measured in the same run (see bench/README.md)."""
