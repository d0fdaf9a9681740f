"""Who first set Needle up in a Slack workspace, and forgetting a person.

slack-sdk owns its installation tables (`slack_installations`, kept in Needle's own database
by its migrations) and writes them through its installation store; it deletes a workspace's
rows when Needle is uninstalled. So Needle keeps the first installer on the team's own row
(`teams.installer_user_id`), which survives an uninstall: a later re-install, by anyone in a
workspace where members may install apps, grants nothing.
"""

from __future__ import annotations

from sqlalchemy import column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Team

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
    """The user id of the oldest installation row kept for the workspace, or None (none, or
    forgotten). Rows are deleted on uninstall: `team_installer` is the one to ask."""
    c = INSTALLATIONS.c
    user_id = await session.scalar(
        select(c.user_id)
        .where(c.team_id == team_id, c.enterprise_id.is_(None))
        .order_by(c.installed_at, c.id)
        .limit(1)
    )
    return str(user_id) if user_id else None


async def team_installer(session: AsyncSession, team_id: str) -> str | None:
    """The user id of whoever first installed Needle in the workspace, or None when unknown
    or forgotten.

    Kept on the team's row once known; until then (a team Needle has not talked to yet) read
    from the oldest installation row and, once the team exists, kept there for good.
    """
    team = await session.scalar(
        select(Team).where(Team.platform == "slack", Team.external_id == team_id)
    )
    if team is not None and team.installer_user_id is not None:
        return team.installer_user_id or None
    installer = await first_installer(session, team_id)
    if team is not None and installer is not None:
        team.installer_user_id = installer
    return installer


async def forget_installer(session: AsyncSession, user_id: str) -> int:
    """Blank a person's id and user tokens in every installation row; returns how many rows.

    The rows themselves stay (they hold the workspace's bot token); a workspace whose first
    installer was forgotten has no installer admin any more (its team keeps the empty id, so
    no re-installer takes the place).
    """
    await session.execute(
        update(Team).where(Team.installer_user_id == user_id).values(installer_user_id="")
    )
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
