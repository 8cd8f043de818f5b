"""Benchmarks: each prints JSON and compares the treatments side by side in one run."""
