"""Team boundaries through the engine: one team's admin, manager or members can neither change
nor read what another team counts, and rights come from the platform now.

Discord-like: team ids are servers, `team_id=""` is a DM (which carries no server, so the
platform cannot vouch for anything there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import Reply, ReplyKind

GUILD_A = "111"  # a server the attacker owns (Manage Server there)
GUILD_B = "222"  # the victim's real team


def text(replies: Sequence[Reply]) -> str:
    """Every reply's text and facts, one string."""
    return "\n".join(
        r.text + " " + " ".join(f"{f.label}={f.value}" for f in r.facts) for r in replies
    )


async def test_a_typed_name_shared_by_two_members_picks_no_one(
    engine: Engine, clock: FakeClock
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id=GUILD_A)
    await discord.command("help", "", user="mallory", team_id=GUILD_A)  # the older member
    await discord.command("help", "", user="ben", team_id=GUILD_A)
    await discord.say("9 calls, 80 min; demo", user="ben", team_id="")
    # In her own server B, Mallory takes the nickname "Ben" (display names are global).
    await discord.say("help", user="mallory", team_id=GUILD_B, name="Ben")
    refused = await discord.command(
        "admin", "manager Ben", user="owner", team_id=GUILD_A, is_admin=True
    )
    assert refused[0].kind is ReplyKind.REFUSAL
    assert "@mention" in refused[0].text
    stats = await discord.command("stats", "week Ben", user="owner", team_id=GUILD_A, is_admin=True)
    assert stats[0].kind is ReplyKind.REFUSAL and "More than one" in stats[0].text
    # Mallory got no role and reads nothing of Ben's.
    peek = await discord.command(
        "stats", "week @ben", user="mallory", team_id=GUILD_A, mentions=("ben",)
    )
    assert peek[0].kind is ReplyKind.REFUSAL, text(peek)
    # The @mention still says who.
    named = await discord.command(
        "admin", "manager", user="owner", team_id=GUILD_A, is_admin=True, mentions=("ben",)
    )
    assert "Ben is the team's manager" in named[0].text


async def test_an_admin_of_one_server_cannot_rewrite_what_another_server_counts(
    engine: Engine, clock: FakeClock
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id=GUILD_B)
    await discord.command("timezone", "UTC", user="ana", team_id=GUILD_B)
    await discord.command("timezone", "UTC", user="ben", team_id=GUILD_B)
    await discord.say("4 calls, 30 min; inbox", user="ana", team_id="")
    await discord.say("9 calls, 80 min; demo with Acme", user="ben", team_id="")
    # Ana runs one command in Mallory's server A, where Mallory has Manage Server.
    await discord.command("help", "", user="ana", team_id=GUILD_A)
    fixed = await discord.command(
        "admin",
        "fix @ana today 400 1400",
        user="mallory",
        team_id=GUILD_A,
        is_admin=True,
        mentions=("ana",),
    )
    assert fixed[0].kind is ReplyKind.REFUSAL
    assert "another team" in fixed[0].text
    after = text(await discord.command("leaderboard", "", user="ben", team_id=GUILD_B))
    assert "400" not in after and after.index("Ben") < after.index("Ana")
    # A member of team B alone is still corrected by B's admin.
    done = await discord.command(
        "admin",
        "fix @ben today 10 90",
        user="owner",
        team_id=GUILD_B,
        is_admin=True,
        mentions=("ben",),
    )
    assert done[0].kind is ReplyKind.SETTINGS, text(done)


async def test_a_wider_late_window_holds_only_where_every_team_of_the_member_allows_it(
    engine: Engine, clock: FakeClock
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id=GUILD_B)
    await discord.command("timezone", "UTC", user="ana", team_id=GUILD_B)
    await discord.command("help", "", user="ana", team_id=GUILD_A)
    widened = await discord.command(
        "admin", "backfill 7", user="mallory", team_id=GUILD_A, is_admin=True
    )
    assert widened[0].kind is ReplyKind.SETTINGS
    four_days_ago = (clock.now() - timedelta(days=4)).date().isoformat()
    refused = await discord.command("checkin", four_days_ago, user="ana", team_id=GUILD_A)
    assert refused[0].kind is ReplyKind.REFUSAL and "closed" in refused[0].text
    # Once team B allows it too, the window is open from either team.
    await discord.command("admin", "backfill 5", user="owner", team_id=GUILD_B, is_admin=True)
    opened = await discord.command("checkin", four_days_ago, user="ana", team_id=GUILD_A)
    assert opened[0].kind is not ReplyKind.REFUSAL, text(opened)


async def test_joining_a_server_ends_the_personal_team_and_its_admin_right(
    engine: Engine, clock: FakeClock
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id=GUILD_B)
    # Eve writes to Needle in a DM before using it in any server: a personal team, hers.
    solo = await discord.say("admin fix @eve today 3 30", user="eve", team_id="", is_admin=None)
    assert solo[0].kind is ReplyKind.SETTINGS, text(solo)  # her own team, her own days
    await discord.command("help", "", user="eve", team_id=GUILD_B)  # later she joins team B
    await discord.command("help", "", user="ben", team_id=GUILD_B)
    fixed = await discord.say(
        "admin fix @eve 2026-10-01 300 900", user="eve", team_id="", is_admin=None
    )
    assert fixed[0].kind is ReplyKind.REFUSAL, text(fixed)
    board = text(await discord.command("leaderboard", "calls 2026-10", user="ben", team_id=GUILD_B))
    assert "300" not in board
    # Her DMs now count toward team B: a check-in there shows on B's board.
    await discord.say("7 calls, 45 min; demo", user="eve", team_id="", is_admin=None)
    today = text(await discord.command("leaderboard", "calls today", user="ben", team_id=GUILD_B))
    assert "Eve" in today


async def test_team_data_is_not_shown_in_a_dm_where_membership_cannot_be_checked(
    engine: Engine, clock: FakeClock
) -> None:
    discord = MemoryAdapter(engine, platform="discord", team_id=GUILD_A)
    await discord.command("help", "", user="ana", team_id=GUILD_A)
    await discord.command("help", "", user="ben", team_id=GUILD_A)
    await discord.say("9 calls, 80 min; demo with Acme", user="ben", team_id="")
    await discord.command(
        "admin", "manager @ana", user="owner", team_id=GUILD_A, is_admin=True, mentions=("ana",)
    )
    # Ana may have been kicked from server A: Needle (no members intent) can't know in her DM.
    for typed in ("stats week @ben", "team today", "leaderboard", "export team"):
        replies = await discord.say(typed, user="ana", team_id="", is_admin=None)
        assert replies[0].kind is ReplyKind.REFUSAL, (typed, text(replies))
        assert "Ben" not in text(replies) and "/needle" in replies[0].text
    # In the server, where the platform says she is there, the manager right holds.
    stats = await discord.command(
        "stats", "week @ben", user="ana", team_id=GUILD_A, mentions=("ben",)
    )
    assert stats[0].kind is ReplyKind.STATS and "Ben" in stats[0].title
    # And her own numbers stay hers to read anywhere.
    own = await discord.say("stats week", user="ana", team_id="", is_admin=None)
    assert own[0].kind is ReplyKind.STATS
