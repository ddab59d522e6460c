"""Slack payloads → core inbound values, with the wire shapes the fake (and Slack) produce."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.settings import SLACK
from adapters.slack.translate import (
    Clicked,
    Origin,
    Received,
    from_block_actions,
    from_message_event,
    from_slash_command,
    plain_text,
    revoked_team,
)
from core.identity import UserRef
from core.inbound import Command, Message, Press
from tests.fakes.slack_api import (
    block_actions_payload,
    event_callback_payload,
    message_event,
    slash_command_payload,
)

RESPONSE_URL = "http://127.0.0.1:1/response_url/x"


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("plain", "plain"),
        ("a &amp; b &lt;tag&gt;", "a & b <tag>"),
        ("&amp;lt;", "&lt;"),  # someone typed "&lt;" literally
        ("hi <@U123>", "hi @U123"),
        ("hi <@U123|ann>", "hi @ann"),
        ("in <#C1|general>", "in #general"),
        ("<!here> and <!channel>", "@here and @channel"),
        ("<!subteam^S1|@mentors>", "@mentors"),
        ("see <https://x.example/a?b=1&amp;c=2>", "see https://x.example/a?b=1&c=2"),
        ("see <https://x.example|x.example>", "see x.example"),
        ("mail <mailto:a@b.example|a@b.example>", "mail a@b.example"),
        ("a < b > c", "a < b > c"),  # not Slack markup: left alone
        ("", ""),
    ],
)
def test_plain_text(slack: str, typed: str) -> None:
    assert plain_text(slack) == typed


def test_slash_command_verb_and_arguments() -> None:
    payload = slash_command_payload(
        user_id="U1",
        text="Profile timezone  America/New_York",
        response_url=RESPONSE_URL,
        channel_id="C9",
        trigger_id="13345224609.738474920.8088930838d88f008e0",
    )
    origin = Origin(
        team="T0001",
        user_id="U1",
        channel="C9",
        response_url=RESPONSE_URL,
        user_name="u1",
        private=False,  # "general"
    )
    said_in = UserRef(SLACK, "T0001", "U1", display_name="u1", space="T0001", channel="C9")
    assert from_slash_command(payload) == Received(
        Command(said_in, verb="profile", text="timezone  America/New_York"),
        origin=origin,
        dedupe_key="command:T0001:U1:13345224609.738474920.8088930838d88f008e0",
    )


@pytest.mark.parametrize("text", ["", "   "])
def test_bare_slash_command_means_help(text: str) -> None:
    call = from_slash_command(
        slash_command_payload(user_id="U1", text=text, response_url=RESPONSE_URL)
    )
    assert call is not None and isinstance(call.inbound, Command)
    assert (call.inbound.verb, call.inbound.text) == ("help", "")


def test_slash_command_text_is_unescaped() -> None:
    payload = slash_command_payload(
        user_id="U1", text='start "Ann &amp; Co" &lt;x&gt;', response_url=RESPONSE_URL
    )
    call = from_slash_command(payload)
    assert call is not None and isinstance(call.inbound, Command)
    assert call.inbound.text == 'start "Ann & Co" <x>'.partition(" ")[2]


def test_slash_command_without_user_is_ignored() -> None:
    payload = slash_command_payload(user_id="U1", response_url=RESPONSE_URL)
    payload["user_id"] = ""
    assert from_slash_command(payload) is None


def test_block_actions_from_a_dm_message() -> None:
    payload = block_actions_payload(
        user_id="U1",
        action_id="mh:0",
        value="d:4:2:Europe/Berlin",
        button_text="Europe/Berlin",
        response_url=RESPONSE_URL,
        action_ts="1700000001.000200",
        trigger_id="1700000001.1.abc",
    )
    payload["message"] = {"text": "Which zone?", "blocks": [{"type": "section"}]}
    assert from_block_actions(payload) == Received(
        Press(UserRef(SLACK, "T0001", "U1", display_name="u1"), "d:4:2:Europe/Berlin"),
        origin=Origin(
            team="T0001",
            user_id="U1",
            channel="D_U1",
            response_url=RESPONSE_URL,
            ephemeral=False,
            user_name="u1",
        ),
        dedupe_key="action:T0001:U1:1700000001.000200",
        clicked=Clicked(
            label="Europe/Berlin",
            message_blocks=({"type": "section"},),
            message_text="Which zone?",
            trigger_id="1700000001.1.abc",
        ),
    )


def test_block_actions_on_an_ephemeral_message_and_foreign_buttons() -> None:
    payload = block_actions_payload(
        user_id="U1",
        action_id="mh:1",
        value="c:profile:timezone",
        channel_id="C5",
        response_url=RESPONSE_URL,
    )
    payload["container"]["is_ephemeral"] = True
    call = from_block_actions(payload)
    assert call is not None
    assert call.origin.ephemeral is True
    assert call.origin.channel == "C5"
    assert call.clicked is not None and call.clicked.message_blocks is None
    no_value = block_actions_payload(user_id="U1", action_id="mh:1", response_url=RESPONSE_URL)
    assert from_block_actions(no_value) is None
    assert from_block_actions({"type": "block_actions", "actions": []}) is None


def test_dm_message_event() -> None:
    body = event_callback_payload(
        message_event(user_id="U1", text="Lisbon &amp; more"), event_id="Ev42"
    )
    assert from_message_event(body) == Received(
        Message(UserRef(SLACK, "T0001", "U1"), text="Lisbon & more"),
        origin=Origin(team="T0001", user_id="U1", channel="D_U1"),
        dedupe_key="event:Ev42",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"subtype": "message_changed"},
        {"subtype": "bot_message"},
        {"bot_id": "B1"},
        {"channel_type": "channel", "channel": "C1"},
        {"text": "   "},
        {"user": ""},
    ],
)
def test_messages_we_do_not_answer(change: dict[str, Any]) -> None:
    event = {**message_event(user_id="U1", text="hi"), **change}
    assert from_message_event(event_callback_payload(event)) is None


def test_removal_events() -> None:
    uninstalled = event_callback_payload({"type": "app_uninstalled"}, team_id="T7")
    assert revoked_team(uninstalled) == "T7"
    bot_revoked = event_callback_payload(
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, team_id="T7"
    )
    assert revoked_team(bot_revoked) == "T7"
    user_only = event_callback_payload(
        {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}}, team_id="T7"
    )
    assert revoked_team(user_only) is None
    no_team = event_callback_payload({"type": "app_uninstalled"}, team_id="T8")
    no_team["team_id"] = ""
    assert revoked_team(no_team) == "T8"  # from authorizations
    assert revoked_team(event_callback_payload({"type": "message"})) is None


@pytest.mark.parametrize(
    ("channel", "name", "private"),
    [
        ("D0001", "directmessage", True),
        ("C0002", "mpdm-ann--bob--mentorhub-1", True),  # a group DM, e.g. a pair space
        ("C0003", "general", False),
        ("G0004", "privategroup", False),  # a private channel
    ],
)
def test_dms_and_group_dms_are_private_channels_are_not(
    channel: str, name: str, private: bool
) -> None:
    payload = slash_command_payload(
        user_id="U1",
        text="link prog",
        channel_id=channel,
        channel_name=name,
        response_url=RESPONSE_URL,
    )
    call = from_slash_command(payload)
    assert call is not None and call.origin.private is private
