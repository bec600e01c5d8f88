"""Theorem package example_margin for verify (written by `verify new example-margin`)."""
