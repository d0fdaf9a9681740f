"""Coaching: minimums, nudge wording, high-value classification and suggestions."""
