"""Aufnahme: pledges of additional admission (Aufnahmezusagen) and, later, contingents and
allocation runs (issue 13)."""
