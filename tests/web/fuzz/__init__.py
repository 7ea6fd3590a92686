"""Helpers of the fuzz test (tests/web/test_fuzz.py): the forms of a rendered page and the
hostile values submitted to them."""
