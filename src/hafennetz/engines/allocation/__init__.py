"""Allocation engine: households -> municipalities (issue 3)."""
