"""arith."""
