"""The role × URL × method permission matrix, one module of rows per area (each area's owner
extends its own module). `tests/web/test_permission_matrix.py` runs them all and fails on any URL
or method without a row."""
