"""The pure halves of the Discord adapter: payload -> Incoming, Reply -> content/embed/modal."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import translate
from adapters.discord.commands import minutes_word
from adapters.discord.components import ChoiceButton, FormModal, FormShelf, parse_reopen_value
from adapters.discord.render import render_form_note, render_reply, safe_filename
from adapters.discord.router import with_answers
from bot.messages import (
    Choice,
    Fact,
    Form,
    FormField,
    Image,
    IncomingKind,
    Reply,
    ReplyKind,
    Visibility,
)
from bot.timezones import matching_timezones

SERVER = translate.Origin(
    user_id="11", display_name="Ana", guild_id="22", channel_id="33", is_admin=False
)
DM = translate.Origin(
    user_id="11", display_name="Ana", guild_id=None, channel_id="44", is_admin=None
)


def test_server_command_is_addressed_to_the_guild_and_channel() -> None:
    incoming = translate.incoming_from_command(SERVER, "stats", ["week", None], "99")
    assert incoming.kind is IncomingKind.COMMAND
    assert (incoming.command, incoming.text) == ("stats", "week")
    assert incoming.address.team_id == "22"
    assert incoming.address.channel_id == "33"
    assert incoming.address.user_id == "11"
    assert incoming.event_id == "99"
    assert incoming.is_direct is False
    assert incoming.can_open_forms is True
    assert incoming.person.is_admin is False


def test_dm_has_no_team_no_channel_and_unknown_admin() -> None:
    incoming = translate.incoming_from_message(DM, "  12 calls, 90 min  ", "7")
    assert incoming.address.team_id == ""
    assert incoming.address.channel_id == ""
    assert incoming.is_direct is True
    assert incoming.text == "12 calls, 90 min"
    assert incoming.person.is_admin is None
    assert incoming.can_open_forms is False


def test_mentions_become_at_ids() -> None:
    text, mentions = translate.clean_text("stats week <@123> and <@!456>")
    assert text == "stats week @123 and @456"
    assert mentions == ("123", "456")


def test_form_submission_cannot_open_another_form() -> None:
    incoming = translate.incoming_from_form(DM, "checkin.form:2026-11-25", {"minutes": "90"}, "8")
    assert incoming.kind is IncomingKind.FORM
    assert incoming.action == "checkin.form:2026-11-25"
    assert incoming.values == {"minutes": "90"}
    assert incoming.can_open_forms is False


def test_manage_server_or_administrator_is_admin() -> None:
    assert translate.is_admin(discord.Permissions(manage_guild=True))
    assert translate.is_admin(discord.Permissions(administrator=True))
    assert not translate.is_admin(discord.Permissions(send_messages=True))


@given(
    action=st.from_regex(r"[a-z][a-z0-9_.\-]{0,20}", fullmatch=True),
    value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
)
def test_custom_ids_round_trip(action: str, value: str) -> None:
    custom_id = translate.custom_id_for(action, value)
    assert translate.parse_custom_id(custom_id) == (action, value)


def test_custom_id_too_long_is_refused() -> None:
    with pytest.raises(ValueError):
        translate.custom_id_for("checkin.edit", "x" * 100)


def test_other_components_are_not_ours() -> None:
    assert translate.parse_custom_id("someone-else:button") is None
    assert translate.form_id_of("other-modal") is None
    assert translate.form_id_of("needle-form:checkin.form:2026-11-25") == "checkin.form:2026-11-25"


def test_modal_values_from_labels_and_action_rows() -> None:
    components = [
        {"type": 18, "component": {"type": 4, "custom_id": "conversations", "value": "12"}},
        {"type": 1, "components": [{"type": 4, "custom_id": "minutes", "value": "1h30"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "wins", "value": None}},
    ]
    assert translate.form_values(components) == {
        "conversations": "12",
        "minutes": "1h30",
        "wins": "",
    }


def test_time_zone_autocomplete() -> None:
    assert matching_timezones("berl")[0] == "Europe/Berlin"
    assert "America/New_York" in matching_timezones("new york")
    assert len(matching_timezones("a")) == 25
    assert matching_timezones("")[0] == "UTC"
    assert matching_timezones("no such place") == []


def test_minutes_word() -> None:
    assert minutes_word("40") == "40m"
    assert minutes_word("1h30") == "1h30"
    assert minutes_word(None) is None


# -- render -------------------------------------------------------------------------------------


def test_plain_reply_is_content_and_private_is_ephemeral_only_in_a_server() -> None:
    reply = Reply("Logged. Today so far: 3 / 5 conversations.")
    in_server = render_reply(reply, in_guild=True)
    assert in_server.content == reply.text
    assert in_server.embed is None
    assert in_server.ephemeral is True
    assert render_reply(reply, in_guild=False).ephemeral is False
    public = Reply("Leaderboard", visibility=Visibility.CHANNEL)
    assert render_reply(public, in_guild=True).ephemeral is False


def test_stats_reply_is_an_embed_with_fields_and_the_chart_attached() -> None:
    reply = Reply(
        "Your week so far.",
        kind=ReplyKind.STATS,
        title="Ana — this week",
        facts=(Fact("Conversations", "23 / 25"), Fact("Minutes", "310 / 300")),
        image=Image("chart week.png", b"\x89PNG fake"),
    )
    message = render_reply(reply, in_guild=True)
    assert message.content is None
    assert message.embed is not None
    assert message.embed.title == "Ana — this week"
    assert [f.name for f in message.embed.fields] == ["Conversations", "Minutes"]
    assert message.embed.image.url == "attachment://chart_week.png"
    assert [f.filename for f in message.files] == ["chart_week.png"]


def test_csv_export_is_a_file() -> None:
    message = render_reply(
        Reply("Your data.", file=b"date,calls\n", filename="needle.csv"), in_guild=False
    )
    assert [f.filename for f in message.files] == ["needle.csv"]


def test_choices_become_buttons_with_stable_ids() -> None:
    reply = Reply(
        "Time to check in",
        choices=(
            Choice("Check in", "checkin.start", style="primary"),
            Choice("Day off", "checkin.day_off"),
        ),
    )
    message = render_reply(reply, in_guild=False)
    assert message.view is not None
    assert message.view.timeout is None
    buttons = [c for c in message.view.children if isinstance(c, ChoiceButton)]
    assert [b.item.custom_id for b in buttons] == ["needle:checkin.start", "needle:checkin.day_off"]
    assert buttons[0].item.style is discord.ButtonStyle.primary


def test_long_text_moves_into_an_embed() -> None:
    message = render_reply(Reply("x" * 2500), in_guild=False)
    assert message.content is None
    assert message.embed is not None and len(message.embed.description or "") == 2500


CHECKIN_FORM = Form(
    id="checkin.form:2026-11-25",
    title="Check-in",
    fields=(
        FormField("conversations", "Sales conversations today", initial="12"),
        FormField("minutes", "Minutes talking with buyers"),
        FormField("activities", "Top activities today", multiline=True),
        FormField("wins", "Wins", optional=True),
    ),
    errors={"minutes": "I couldn't read that as minutes."},
    reopen="checkin.start",
)


def test_modal_shows_fields_initial_values_and_errors() -> None:
    modal = FormModal(CHECKIN_FORM)
    assert modal.custom_id == "needle-form:checkin.form:2026-11-25"
    payload = modal.to_components()
    assert [c["type"] for c in payload] == [18, 18, 18, 18]
    assert payload[0]["component"]["value"] == "12"
    assert payload[1]["description"].endswith("I couldn't read that as minutes.")
    assert payload[2]["component"]["style"] == discord.TextStyle.paragraph.value
    assert payload[3]["component"]["required"] is False


def test_form_that_cannot_open_becomes_a_note_with_a_reopen_button() -> None:
    reply = Reply("Almost there.", form=CHECKIN_FORM)
    message = render_form_note(reply, CHECKIN_FORM, "555", in_guild=True)
    assert message.content is not None
    assert "Minutes talking with buyers" in message.content
    assert "couldn't read that as minutes" in message.content
    assert message.ephemeral is True
    assert message.view is not None
    (button,) = [c for c in message.view.children if isinstance(c, ChoiceButton)]
    assert button.action == "form.open"
    # The shelf key, and how the engine opens the form afresh if the shelf has forgotten it.
    assert parse_reopen_value(button.value) == ("555", "checkin.start", "2026-11-25")


def test_form_shelf_forgets_the_oldest() -> None:
    shelf = FormShelf(size=2)
    for key in ("a", "b", "c"):
        shelf.put(key, CHECKIN_FORM)
    assert shelf.get("a") is None
    assert shelf.get("c") is CHECKIN_FORM


def test_safe_filename() -> None:
    assert safe_filename("week chart (1).png", "chart.png") == "week_chart__1_.png"
    assert safe_filename("  ", "chart.png") == "chart.png"


def test_a_title_alone_is_a_bold_first_line() -> None:
    message = render_reply(Reply("How many minutes?", title="Minutes with buyers"), in_guild=False)
    assert message.embed is None
    assert message.content == "**Minutes with buyers**\nHow many minutes?"


def test_submitted_answers_fill_a_reopened_form() -> None:
    form = with_answers(CHECKIN_FORM, {"conversations": "14", "minutes": "lots", "wins": ""})
    assert [f.initial for f in form.fields] == ["14", "lots", "", ""]
    assert form.errors == CHECKIN_FORM.errors
