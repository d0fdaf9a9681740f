"""`dashboard`: a personal sign-in link to the team's web dashboard; `dashboard tv` for admins.

No passwords: the link is the sign-in. It is sent privately, works once and for 15 minutes,
and opens a session for this member in this team only. `dashboard tv` gives admins a
read-only page for a screen in the office; `dashboard tv off` revokes every TV link they made.
"""

from __future__ import annotations

from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.router import Router
from bot.signin import LINK_LIFETIME, issue, link_url
from bot.storage.web import LINK, TV, revoke_member_tokens

USAGE = "Try `dashboard`, or (admins) `dashboard tv` / `dashboard tv off`."


def register(router: Router) -> None:
    """Add `dashboard`."""
    router.add_command(
        "dashboard",
        dashboard_command,
        usage="dashboard [tv|tv off]",
        summary="a private sign-in link to your team's web dashboard",
        aliases=("web",),
    )


async def dashboard_command(ctx: Context, args: str) -> list[Reply]:
    """A sign-in link (default), a TV link or its revocation (admins)."""
    words = args.lower().split()
    if not words:
        return [await sign_in_link(ctx)]
    if words[0] != "tv" or words[1:] not in ([], ["off"]):
        return [Reply(f"I don't know “{args.strip()[:40]}” here. {USAGE}", kind=ReplyKind.REASK)]
    if not ctx.is_admin:
        return [
            Reply(
                ctx.admin_refusal("dashboard tv", "Only team admins can make a TV link."),
                kind=ReplyKind.REFUSAL,
            )
        ]
    if words[1:] == ["off"]:
        revoked = await revoke_member_tokens(ctx.session, ctx.member.id, ctx.team.id, TV, ctx.now)
        text = (
            f"Done: {revoked} TV link{'' if revoked == 1 else 's'} stopped working."
            if revoked
            else "You have no TV link that works; nothing to turn off."
        )
        return [Reply(text, kind=ReplyKind.SETTINGS)]
    signed = await issue(
        ctx.session,
        ctx.services.settings,
        TV,
        member_id=ctx.member.id,
        team_id=ctx.team.id,
        is_admin=False,
        now=ctx.now,
    )
    return [
        Reply(
            "A read-only leaderboard for a screen, until you type `dashboard tv off`: "
            f"{link_url(ctx.services.settings, TV, signed)}\n"
            "Anyone with this link sees the team's leaderboard, so keep it on the screen.",
            kind=ReplyKind.INFO,
            title="TV dashboard",
        )
    ]


async def sign_in_link(ctx: Context) -> Reply:
    """A personal link that signs this member in to this team's dashboard."""
    signed = await issue(
        ctx.session,
        ctx.services.settings,
        LINK,
        member_id=ctx.member.id,
        team_id=ctx.team.id,
        is_admin=ctx.is_admin,
        now=ctx.now,
    )
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    return Reply(
        f"Your sign-in link: {link_url(ctx.services.settings, LINK, signed)}\n"
        f"It works once, for {minutes} minutes, and only for you — don't share it. "
        "Type `dashboard` again for a new one.",
        kind=ReplyKind.INFO,
        title="Your dashboard",
    )
