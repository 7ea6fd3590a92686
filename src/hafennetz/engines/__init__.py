"""Pure-Python optimisation engines. Nothing below this package may import Django."""
