"""Numbers only: arithmetic backends (float64, double-double, mpmath) and exact intervals.

The lowest numeric layer (docs/design.md, "The layers and their contract"): it knows nothing of
models, data or theorems. Precision is an argument of every backend, never a global
(docs/design.md, convention 4).
"""
