"""Benchmarks of the course's reference fast layers against the naive ones, the bare GEMM and PyTorch.

Run ``python -m bench`` from the repository root; see ``docs/fast_layers.md``.
"""
