"""Outcomes: meetings booked and deals won or lost — read, recorded, listed and corrected —
the funnel they make with conversations, the monthly targets built on it, and which activities
came before them (returns)."""
