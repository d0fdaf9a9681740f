"""Loopback fakes of the Slack and Discord servers, for tests and benchmarks."""
