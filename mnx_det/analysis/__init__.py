"""Measuring the models: interleaved timing, complexity counts, seed-level
comparisons, figures, report rendering and the benchmark sections behind
``benchmarks/*.md``. Imported on demand (by the tools), not by
``import mnx_det``."""
