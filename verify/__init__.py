"""verify: numerical verification of implicit-bias theorems for two-layer networks.

The numeric core prints nothing; the CLI (:mod:`verify.cli.main`) owns the terminal.
"""
__version__ = "0.1.0"
