"""The contract between the engine and the adapters: reply kinds, action and form ids, imports.

Every ReplyKind renders on Slack, Discord and the console; adapters compare kinds to
`ReplyKind` members, never to strings; the ids on the wire keep their values and reach a
handler in the engine; no adapter (nor the scheduler) imports the engine module.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from adapters.console import render_text
from adapters.discord.render import render_form_note, render_reply
from adapters.discord.translate import custom_id_for, form_custom_id, parse_custom_id
from adapters.memory import MemoryAdapter
from adapters.slack import render as slack
from bot.messages import Action, Choice, Fact, Form, FormField, FormId, Reply, ReplyKind

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)  # the conftest clock's day
EXPIRED = ("That button has expired", "That form has expired")


def sources(package: str) -> list[Path]:
    """Every Python module of a top-level package of the repository."""
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports (`from bot import engine` counts as `bot.engine`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def full_reply(kind: ReplyKind) -> Reply:
    """A reply of `kind` using every part a reply can have, apart from files."""
    form = Form(
        id=f"{FormId.CHECKIN}:{TODAY.isoformat()}",
        title="Check-in",
        fields=(FormField("conversations", "Conversations"),),
        errors={"conversations": "A number, please."},
        reopen=Action.CHECKIN_START,
    )
    return Reply(
        f"Words of a {kind.value} reply",
        kind=kind,
        title=f"Title of {kind.value}",
        facts=(Fact("Conversations", "12 / 5"),),
        choices=(Choice("Check in", Action.CHECKIN_START, TODAY.isoformat(), "primary"),),
        form=form,
    )


@pytest.mark.parametrize("kind", list(ReplyKind))
def test_every_reply_kind_renders_on_slack_discord_and_the_console(kind: ReplyKind) -> None:
    reply = full_reply(kind)
    words = reply.text

    message = slack.message(reply, with_opener=True)
    assert words in message["text"]
    actions = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == [Action.CHECKIN_START]  # the opener is the same action: not doubled
    home = slack.home_view([reply])
    assert any(words in str(block) for block in home["blocks"])

    embed = render_reply(reply, in_guild=True).embed
    assert embed is not None and embed.description == words  # facts make it an embed
    assert reply.form is not None
    note = render_form_note(reply, reply.form, "key-1", in_guild=False)
    assert note.embed is not None and "A number, please." in (note.embed.description or "")

    shown = render_text(reply)
    assert words in shown
    title_line = f"== {reply.title} =="
    assert (title_line in shown) is (kind not in (ReplyKind.QUESTION, ReplyKind.REASK))


def _strings(node: ast.AST) -> list[str]:
    return [
        leaf.value
        for leaf in ast.walk(node)
        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)
    ]


def kind_literals(path: Path, *, replies_only: bool = False) -> list[str]:
    """Kinds named by string in a file: `Reply(..., kind="...")`, and unless `replies_only`
    also `x.kind == "..."`, `x.kind in ("...", ...)` and string sets named `*_KINDS`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Reply":
            for keyword in node.keywords:
                if keyword.arg == "kind":
                    found += [(node.lineno, f"kind={s!r}") for s in _strings(keyword.value)]
        if replies_only:
            continue
        if isinstance(node, ast.Compare) and getattr(node.left, "attr", None) == "kind":
            found += [(node.lineno, repr(s)) for c in node.comparators for s in _strings(c)]
        if isinstance(node, ast.Assign) and any(
            getattr(target, "id", "").endswith("_KINDS") for target in node.targets
        ):
            found += [(node.lineno, repr(s)) for s in _strings(node.value)]
    return [f"{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_kind_literal_scan_finds_a_string_kind(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'LOUD_KINDS = frozenset({"stats"})\n'
        'ok = reply.kind == "error" or reply.kind in ("help",)\n'
        'Reply("hi", kind="info")\n'
        'describe(kind="Which list")\n'
        "fine = reply.kind is ReplyKind.ERROR\n"
    )
    assert [hit.split(": ", 1)[1] for hit in kind_literals(sample)] == [
        "'stats'",
        "'error'",
        "'help'",
        "kind='info'",
    ]
    assert [hit.split(": ", 1)[1] for hit in kind_literals(sample, replies_only=True)] == [
        "kind='info'"
    ]


def test_reply_kinds_are_named_by_enum_member_never_by_string() -> None:
    # The scheduler's own delivery kinds are strings on purpose (scheduler/due.py); only
    # Replies are checked there, and in bot/ (whose check-in parser has kinds of its own).
    found = [hit for path in sources("adapters") for hit in kind_literals(path)]
    found += [
        hit
        for package in ("bot", "scheduler")
        for path in sources(package)
        for hit in kind_literals(path, replies_only=True)
    ]
    assert found == []


@pytest.mark.parametrize("package", ["adapters", "scheduler"])
def test_no_adapter_or_scheduler_module_imports_the_engine(package: str) -> None:
    importers = [
        str(path.relative_to(ROOT))
        for path in sources(package)
        if any(m == "bot.engine" or m.startswith("bot.engine.") for m in imported_modules(path))
    ]
    assert importers == []


def test_the_import_scan_sees_every_way_of_importing_the_engine(tmp_path: Path) -> None:
    for line in ("import bot.engine", "from bot.engine import Engine", "from bot import engine"):
        sample = tmp_path / "sample.py"
        sample.write_text(line + "\n")
        assert "bot.engine" in imported_modules(sample), line


def test_ids_on_the_wire_keep_their_values() -> None:
    # Buttons and forms already sent to Slack and Discord carry these; they must never change.
    assert {a.name: a.value for a in Action} == {
        "CHECKIN_START": "checkin.start",
        "CHECKIN_EDIT": "checkin.edit",
        "CHECKIN_DAY_OFF": "checkin.day_off",
        "CHECKIN_CONFIRM": "checkin.confirm",
        "DAY_OFF_CONFIRM": "checkin.day_off_confirm",
        "DAY_OFF_KEEP": "checkin.day_off_keep",
        "OUTCOME_CONFIRM": "outcomes.confirm",
        "SETTINGS_OPEN": "settings.open",
        "FORGET_CONFIRM": "forget_me.confirm",
        "FORGET_CANCEL": "forget_me.cancel",
        "MEMBER_PROFILE": "member.profile",
        "TARGET_MINIMUM": "target.minimum",
    }
    assert {f.name: f.value for f in FormId} == {
        "CHECKIN": "checkin.form",
        "SETTINGS": "settings.form",
    }
    assert custom_id_for(Action.CHECKIN_EDIT, "2026-11-24") == "needle:checkin.edit:2026-11-24"
    assert parse_custom_id("needle:checkin.day_off") == (Action.CHECKIN_DAY_OFF, "")
    assert form_custom_id(f"{FormId.CHECKIN}:2026-11-24") == "needle-form:checkin.form:2026-11-24"
    button = slack.button(Choice("Check in", Action.CHECKIN_START), set())
    assert button["action_id"] == "checkin.start"


@pytest.mark.parametrize("action", list(Action))
async def test_every_action_reaches_a_handler_in_the_engine(
    bot: MemoryAdapter, action: Action
) -> None:
    await bot.say("hi")  # a member, for the members-only actions
    replies = await bot.press(action, TODAY.isoformat() if "checkin" in action else "")
    assert not any(r.text.startswith(EXPIRED) for r in replies), replies


async def test_every_form_reaches_a_handler_in_the_engine(bot: MemoryAdapter) -> None:
    checkin = await bot.submit(
        f"{FormId.CHECKIN}:{TODAY.isoformat()}",
        {"conversations": "12", "minutes": "90", "activities": "demo with Acme"},
    )
    assert [r.kind for r in checkin][:1] == [ReplyKind.SUMMARY]
    settings = await bot.submit(FormId.SETTINGS, {})
    assert [r.kind for r in settings] == [ReplyKind.SETTINGS]
