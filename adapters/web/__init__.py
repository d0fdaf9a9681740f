"""Needle on the web: one HTTP server for Slack's HTTP mode, `/healthz` and the dashboard."""
