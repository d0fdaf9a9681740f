"""Housekeeping of the Slack OAuth state table, which slack-sdk's state store writes and reads.

Every visit to `/slack/install` — anyone's, signed in or not — stores a one-time state with
an expiry (naive UTC, as slack-sdk writes it). slack-sdk deletes a state only when an install
completes with it, so states of abandoned or anonymous visits stay until Needle drops them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import DateTime, column, delete, table
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

# Only the column the prune needs; the table itself belongs to migration 0002 and slack-sdk.
OAUTH_STATES = table("slack_oauth_states", column("expire_at", DateTime()))


async def forget_expired_oauth_states(session: AsyncSession, now: datetime) -> int:
    """Delete OAuth states that expired by `now` (no install can use them); returns how many."""
    cutoff = now.astimezone(UTC).replace(tzinfo=None)
    result = await session.execute(delete(OAUTH_STATES).where(OAUTH_STATES.c.expire_at <= cutoff))
    dropped = int(getattr(result, "rowcount", 0))
    if dropped:
        log.info("dropped %d expired Slack OAuth states", dropped)
    return dropped
