"""Replies to Block Kit: pure rendering, no server."""

from __future__ import annotations

import json

from adapters.slack import render
from adapters.slack.translate import action_id_to_action
from bot.messages import Choice, Fact, Form, FormField, Reply, ReplyKind, Visibility


def test_a_confirmation_has_header_text_fields_and_buttons() -> None:
    reply = Reply(
        "12 conversations — **minimums met** <3",
        kind=ReplyKind.SUMMARY,
        title="Check-in saved",
        facts=(Fact("Conversations", "12 / 5"), Fact("Minutes", "90 / 60")),
        choices=(Choice("Edit", "checkin.edit", "2026-11-25", style="primary"),),
    )
    body = render.message(reply)
    header, section, fields, actions = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Check-in saved", "emoji": True},
    }
    assert section["text"]["text"] == "12 conversations — *minimums met* &lt;3"
    assert [f["text"] for f in fields["fields"]] == [
        "*Conversations*\n12 / 5",
        "*Minutes*\n90 / 60",
    ]
    (button,) = actions["elements"]
    assert button["action_id"] == "checkin.edit"
    assert button["value"] == "2026-11-25"
    assert button["style"] == "primary"
    assert body["text"].startswith("12 conversations")


def test_mention_tokens_become_slack_mentions() -> None:
    assert (
        render.mrkdwn("great week @U0AB12, not email@U9X") == "great week <@U0AB12>, not email@U9X"
    )


def test_same_action_twice_gets_unique_ids_that_translate_back() -> None:
    choices = (Choice("Today", "checkin.day_off", "today"), Choice("Tomorrow", "checkin.day_off"))
    (block,) = render.actions_blocks(choices)
    ids = [e["action_id"] for e in block["elements"]]
    assert len(set(ids)) == 2
    assert {action_id_to_action(i) for i in ids} == {"checkin.day_off"}
    assert "value" not in block["elements"][1]
    assert "style" not in block["elements"][1]


def test_long_text_is_split_into_sections_under_the_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    blocks = render.reply_blocks(Reply(text))
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= render.SECTION_TEXT_LIMIT for b in blocks)
    assert "".join(b["text"]["text"] for b in blocks).count("line") == 100


def test_text_without_breaks_is_still_split() -> None:
    pieces = render.split_text("y" * 7000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_many_facts_and_buttons_are_chunked() -> None:
    reply = Reply(
        "x",
        facts=tuple(Fact(f"k{i}", str(i)) for i in range(23)),
        choices=tuple(Choice(str(i), f"a{i}") for i in range(30)),
    )
    blocks = render.reply_blocks(reply)
    sections = [b for b in blocks if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 10, 3]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert len({a["block_id"] for a in actions}) == 2


def test_a_message_never_exceeds_fifty_blocks() -> None:
    reply = Reply("z\n" * 5, facts=tuple(Fact(str(i), "v") for i in range(600)))
    body = render.message(reply)
    assert len(body["blocks"]) == render.MESSAGE_BLOCK_LIMIT
    assert body["blocks"][-1]["type"] == "context"


FORM = Form(
    id="checkin.form:2026-11-24",
    title="Check-in: Tuesday 24 November",
    fields=(
        FormField("conversations", "Conversations", placeholder="7", initial="12"),
        FormField("activities", "Top activities", multiline=True),
        FormField("wins", "Wins", optional=True),
    ),
    errors={"conversations": "Use a number from 0 to 500."},
    reopen="checkin.start",
)


def test_a_form_is_a_modal_with_one_input_per_field() -> None:
    view = render.modal(FORM, channel="D1", team="T1")
    assert view["type"] == "modal"
    assert view["callback_id"] == "checkin.form:2026-11-24"
    assert len(view["title"]["text"]) <= render.MODAL_TITLE_LIMIT
    assert json.loads(view["private_metadata"])["channel"] == "D1"
    conversations, activities, wins = view["blocks"]
    assert conversations["block_id"] == conversations["element"]["action_id"] == "conversations"
    assert conversations["element"]["initial_value"] == "12"
    assert conversations["element"]["placeholder"]["text"] == "7"
    assert activities["element"]["multiline"] is True
    assert "initial_value" not in activities["element"]
    assert wins["optional"] is True


def test_form_errors_name_fields_and_never_get_lost() -> None:
    assert render.form_errors(FORM) == {"conversations": "Use a number from 0 to 500."}
    general = Form("f", "F", (FormField("a", "A"),), errors={"_": "Try again."})
    assert render.form_errors(general) == {"a": "Try again."}


def test_a_form_in_a_plain_message_gets_a_button_that_opens_it() -> None:
    reply = Reply("Let's check in.", kind=ReplyKind.FORM, form=FORM)
    (_section, actions) = render.reply_blocks(reply, with_opener=True)
    (button,) = actions["elements"]
    assert button["action_id"] == "checkin.start"
    assert button["value"] == "2026-11-24"
    (_section,) = render.reply_blocks(
        Reply("No way back.", form=Form("other.form", "Other", ())), with_opener=True
    )


def test_app_home_joins_replies_with_dividers() -> None:
    view = render.home_view([Reply("This week", title="Week"), Reply("Streak: 3")])
    assert view["type"] == "home"
    assert [b["type"] for b in view["blocks"]] == ["header", "section", "divider", "section"]
    assert render.home_view([])["blocks"]


def test_response_url_bodies_are_ephemeral_unless_shared() -> None:
    private = render.respond_body(Reply("mine"), in_channel=False)
    shared = render.respond_body(Reply("ours", visibility=Visibility.CHANNEL), in_channel=True)
    assert private["response_type"] == "ephemeral"
    assert shared["response_type"] == "in_channel"
    assert private["replace_original"] is False
