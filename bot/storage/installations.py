"""Slack's OAuth installation rows (slack-sdk's `slack_installations`, kept in Needle's own
database by its migrations): who first set Needle up in a workspace, and forgetting a person.

slack-sdk owns these tables and writes them through its installation store; Needle only reads
who installed first and blanks a person's id when they ask to be forgotten.
"""

from __future__ import annotations

from sqlalchemy import column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

INSTALLATIONS = table(
    "slack_installations",
    column("id"),
    column("team_id"),
    column("enterprise_id"),
    column("user_id"),
    column("user_token"),
    column("user_scopes"),
    column("user_refresh_token"),
    column("user_token_expires_at"),
    column("installed_at"),
)
FORGOTTEN_USER = ""  # slack-sdk's column is NOT NULL: a forgotten installer is the empty id


async def first_installer(session: AsyncSession, team_id: str) -> str | None:
    """The user id of whoever first installed Needle in the workspace (its oldest installation
    kept), or None when unknown or forgotten. Later re-installs grant nothing: in a workspace
    where members may install apps, anyone may re-install."""
    c = INSTALLATIONS.c
    user_id = await session.scalar(
        select(c.user_id)
        .where(c.team_id == team_id, c.enterprise_id.is_(None))
        .order_by(c.installed_at, c.id)
        .limit(1)
    )
    return str(user_id) if user_id else None


async def forget_installer(session: AsyncSession, user_id: str) -> int:
    """Blank a person's id and user tokens in every installation row; returns how many rows.

    The rows themselves stay (they hold the workspace's bot token); a workspace whose first
    installer was forgotten has no installer admin any more.
    """
    c = INSTALLATIONS.c
    result = await session.execute(
        update(INSTALLATIONS)
        .where(c.user_id == user_id)
        .values(
            user_id=FORGOTTEN_USER,
            user_token=None,
            user_scopes=None,
            user_refresh_token=None,
            user_token_expires_at=None,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
