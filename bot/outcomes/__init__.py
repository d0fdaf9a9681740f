"""Outcomes: what members' activities produced, read, recorded, listed and corrected."""
