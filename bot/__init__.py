"""Needle's platform-neutral core: the engine, check-ins, coaching, stats and storage."""
