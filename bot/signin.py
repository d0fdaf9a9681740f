"""Signing in to the dashboard from chat: personal links, sessions and TV links, signed.

A link carries a random id signed with the dashboard's secret (itsdangerous, one salt per
purpose, so a session id can never pass for a link or a TV link); the database row behind the
id says whose it is, until when it is good, and whether it was used or revoked. Expiry is
checked against the injected clock, not the signature's own timestamp.

The secret is `SECRET_KEY` when set, else one stored in the database on first use, so every
instance on that database signs and checks alike.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage.web import LINK, SESSION, TV, add_token, shared_secret

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
SECRET_NAME = "dashboard"
SIGNIN_PATH = "/signin/"
TV_PATH = "/tv/"


@dataclass(frozen=True)
class Signer:
    """Signs and reads the dashboard's tokens with one secret."""

    secret: str

    def sign(self, kind: str, token_id: str) -> str:
        """The signed, URL-safe form of a token id of `kind`."""
        return str(URLSafeSerializer(self.secret, salt=f"needle-{kind}").dumps(token_id))

    def form_token(self, session_id: str) -> str:
        """The token a session's forms carry (CSRF): an HMAC of the session's id, so it is
        the same for every form of one session and worthless in any other."""
        digest = hmac.new(self.secret.encode(), f"needle-form:{session_id}".encode(), "sha256")
        return digest.hexdigest()

    def form_token_ok(self, session_id: str, token: str) -> bool:
        """Whether `token` is the form token of that session (compared in constant time)."""
        return hmac.compare_digest(self.form_token(session_id), token)

    def read(self, kind: str, signed: str) -> str | None:
        """The token id inside `signed`, or None when it was not signed by us for `kind`."""
        try:
            value = URLSafeSerializer(self.secret, salt=f"needle-{kind}").loads(signed)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


async def signer_for(session: AsyncSession, settings: Settings, now: datetime) -> Signer:
    """The signer every instance shares: `SECRET_KEY`, or the secret kept in the database."""
    if settings.secret_key:
        return Signer(settings.secret_key)
    return Signer(await shared_secret(session, SECRET_NAME, secrets.token_urlsafe(48), now))


async def issue(
    session: AsyncSession,
    settings: Settings,
    kind: str,
    *,
    member_id: int,
    team_id: int,
    is_admin: bool,
    now: datetime,
) -> str:
    """Store a new token of `kind` and return it signed (links last 15 minutes, sessions 12
    hours, TV links until revoked)."""
    lifetime = {LINK: LINK_LIFETIME, SESSION: SESSION_LIFETIME}.get(kind)
    token_id = secrets.token_urlsafe(24)
    await add_token(
        session,
        token_id,
        kind,
        member_id=member_id,
        team_id=team_id,
        is_admin=is_admin,
        now=now,
        expires_at=now + lifetime if lifetime else None,
    )
    return (await signer_for(session, settings, now)).sign(kind, token_id)


def link_url(settings: Settings, kind: str, signed: str) -> str:
    """The address a signed link or TV link opens."""
    path = TV_PATH if kind == TV else SIGNIN_PATH
    return f"{settings.dashboard_url}{path}{signed}"
