"""Slack payloads to Incoming: pure translation, no server."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.translate import (
    action_id_to_action,
    clean_text,
    form_values,
    incoming_from_action,
    incoming_from_command,
    incoming_from_message,
    incoming_from_submission,
    person_from_user,
)
from bot.messages import IncomingKind, Person
from tests.fakes.slack import (
    DEFAULT_TEAM,
    block_action,
    command_form,
    dm_event,
    view_submission,
)


def test_mentions_become_plain_tokens_in_order() -> None:
    text, mentions = clean_text("stats week <@U0AB12> vs <@W99ZZ|bo> &amp; &lt;team&gt;")
    assert text == "stats week @U0AB12 vs @W99ZZ & <team>"
    assert mentions == ("U0AB12", "W99ZZ")


def test_links_show_their_labels() -> None:
    text, mentions = clean_text(
        "see <#C123|sales> and <https://acme.test|Acme> or <https://x.test>"
    )
    assert text == "see #C123 and Acme or https://x.test"  # a channel by id, like a member
    assert mentions == ()


@given(st.text())
def test_clean_text_takes_anything(raw: str) -> None:
    text, mentions = clean_text(raw)
    for user in mentions:
        assert f"@{user}" in text


def test_a_dm_is_a_message_with_its_event_id() -> None:
    body = dm_event("U1", "12 calls <@U2>", event_id="Ev1")
    person = Person(display_name="Ana", timezone="Europe/Berlin", is_admin=False)
    incoming = incoming_from_message(body, person)
    assert incoming is not None
    assert incoming.kind is IncomingKind.MESSAGE
    assert incoming.text == "12 calls @U2"
    assert incoming.mentions == ("U2",)
    assert incoming.event_id == "Ev1"
    assert incoming.person == person
    assert incoming.address.platform == "slack"
    assert incoming.address.team_id == DEFAULT_TEAM
    assert incoming.address.user_id == "U1"
    assert incoming.address.channel_id == "D1"
    assert incoming.is_direct
    assert not incoming.can_open_forms


def test_edits_bots_and_channels_are_ignored() -> None:
    edited = dm_event("U1", "x")
    edited["event"]["subtype"] = "message_changed"
    from_bot = dm_event("U1", "x")
    from_bot["event"]["bot_id"] = "B1"
    in_channel = dm_event("U1", "x")
    in_channel["event"]["channel_type"] = "channel"
    for body in (edited, from_bot, in_channel):
        assert incoming_from_message(body) is None
    assert incoming_from_message(dm_event("U1", "x")) is not None  # the same DM, untouched


def test_slash_command_splits_subcommand_and_arguments() -> None:
    form = command_form("U1", "Stats week <@U2|bo>", response_url="http://x", channel_id="C9")
    incoming = incoming_from_command(form)
    assert incoming.kind is IncomingKind.COMMAND
    assert incoming.command == "stats"
    assert incoming.text == "week @U2"
    assert incoming.mentions == ("U2",)
    assert incoming.address.channel_id == "C9"
    assert not incoming.is_direct
    assert incoming.can_open_forms


def test_bare_slash_command_is_help() -> None:
    incoming = incoming_from_command(command_form("U1", "  ", response_url="http://x"))
    assert incoming.command == "help"
    assert incoming.text == ""
    assert incoming.is_direct


def test_button_press_is_an_action_without_its_suffix() -> None:
    body = block_action("U1", "checkin.day_off~2", value="2026-11-24")
    incoming = incoming_from_action(body)
    assert incoming is not None
    assert incoming.kind is IncomingKind.ACTION
    assert incoming.action == "checkin.day_off"
    assert incoming.value == "2026-11-24"
    assert incoming.address.channel_id == "D1"
    assert incoming.can_open_forms
    assert action_id_to_action("checkin.start") == "checkin.start"


def test_button_in_app_home_has_no_channel() -> None:
    incoming = incoming_from_action(block_action("U1", "checkin.start", container="view"))
    assert incoming is not None
    assert incoming.address.channel_id == ""
    assert incoming.is_direct


def test_no_action_is_nothing() -> None:
    body = block_action("U1", "checkin.start")
    body["actions"] = []
    assert incoming_from_action(body) is None


def test_modal_submission_is_a_form_with_field_values() -> None:
    view = {
        "callback_id": "checkin.form:2026-11-25",
        "private_metadata": '{"channel": "D1", "team": "T0NEEDLE1"}',
    }
    body = view_submission("U1", view, {"conversations": "12", "minutes": "", "wins": "1"})
    incoming = incoming_from_submission(body)
    assert incoming.kind is IncomingKind.FORM
    assert incoming.action == "checkin.form:2026-11-25"
    assert incoming.values == {"conversations": "12", "minutes": "", "wins": "1"}
    assert incoming.address.channel_id == "D1"
    assert incoming.address.user_id == "U1"


def test_bad_private_metadata_is_no_channel() -> None:
    body = view_submission("U1", {"callback_id": "f", "private_metadata": "{oops"}, {})
    assert incoming_from_submission(body).address.channel_id == ""


def test_selected_options_count_as_values() -> None:
    view = {"state": {"values": {"day": {"pick": {"selected_option": {"value": "mon"}}}}}}
    assert form_values(view) == {"day": "mon"}


def test_person_from_users_info() -> None:
    user = {
        "id": "U1",
        "name": "ana",
        "real_name": "Ana Lima",
        "tz": "America/Sao_Paulo",
        "is_admin": False,
        "is_owner": True,
        "locale": "pt-BR",
        "profile": {"display_name": "", "real_name": "Ana Lima"},
    }
    person = person_from_user(user)
    assert person == Person("Ana Lima", "America/Sao_Paulo", True, "pt-BR")
    plain = person_from_user({"id": "U2", "name": "bo", "profile": {}})
    assert plain.display_name == "bo"
    assert plain.is_admin is False
    assert plain.timezone is None
    assert person_from_user({"id": "U3"}, installer=True).is_admin is True
