"""Breakout planner: participants -> small groups over rounds (issue 4)."""
