"""Outcomes: what members' activities produced, read, recorded, listed and corrected, and
which activities came before them (returns)."""
