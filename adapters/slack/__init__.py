"""The Slack adapter: slack-bolt app wiring, listeners, translate and render."""
