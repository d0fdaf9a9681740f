"""Needle tests: engine through the in-memory adapter, adapters against loopback fakes."""
