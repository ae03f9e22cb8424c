"""Kindred's benchmarks: each measures Kindred and its floor side by side in
one run, so its figure is a ratio that survives a noisy machine.

``python -m benchmarks`` runs all six (``--only 3``, ``--smoke``, sizes by
flag) and writes ``benchmarks/RESULTS.md``.
"""
