"""Bolt listeners, registered per kind: events, the `/needle` command, buttons and modals."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from adapters.slack.listeners import actions, commands, events, views
from adapters.slack.relay import Relay
from adapters.slack.workspaces import Workspaces


def register_all(app: AsyncApp, relay: Relay, workspaces: Workspaces) -> None:
    """Register every listener Needle has on `app`."""
    events.register(app, relay, workspaces)
    commands.register(app, relay)
    actions.register(app, relay)
    views.register(app, relay)
