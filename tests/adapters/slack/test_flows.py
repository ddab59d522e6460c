"""Whole flows through bolt, the real Hub and FakeSlack: registration by slash command,
buttons and DM answers (over HTTP and Socket Mode), and where each kind of reply goes."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.adapter import DM_POINTER, HELP_FOOTER
from bots.bootstrap import Mentorhub
from core.i18n import _, translate
from core.identity import Platform
from tests.adapters.slack.conftest import TEAM, Wire, register, running, settle
from tests.fakes.slack_api import FakeSlack


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def button(index: int, label: str, value: str, style: str | None = None) -> dict[str, Any]:
    out = {
        "type": "button",
        "action_id": f"mh:{index}",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }
    if style:
        out["style"] = style
    return out


HINT = context("Type your answer here as a message, or tap a button.")
CANCEL = "c:cancel"


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_registration_by_command_button_and_dm_answers(
    app: Mentorhub, slack: FakeSlack, mode: str
) -> None:
    async with running(app, slack, mode=mode) as messenger:
        wire = Wire(messenger, slack)

        # /mentor start in a channel: the dialog moves to the DM, a note says so.
        await wire.command("start", channel="C1", name="cmd")
        name_prompt = await settle(messenger, slack, posts=1)
        assert name_prompt == {
            "channel": "D_U1",
            "text": "Welcome to mentorhub! What name should people see?",
            "blocks": [
                section("Welcome to mentorhub! What name should people see?"),
                {
                    "type": "actions",
                    "elements": [
                        button(0, "Use “Ada Lovelace”", "d:1:1:=display"),  # users.info name
                        button(1, "Cancel", CANCEL, "danger"),
                    ],
                },
                HINT,
            ],
        }
        assert slack.response_url_posts("cmd") == [
            {
                "text": translate(DM_POINTER, None),
                "blocks": [section(translate(DM_POINTER, None))],
                "response_type": "ephemeral",
                "replace_original": False,
            }
        ]

        # A button: the answered prompt loses its buttons, the next one arrives.
        await wire.click(name_prompt, "Use “Ada Lovelace”", name="click1")
        tz_prompt = await settle(messenger, slack, posts=2)
        await slack.wait_for(lambda: slack.response_url_posts("click1"))
        assert slack.response_url_posts("click1") == [
            {
                "text": name_prompt["text"],
                "blocks": [
                    section("Welcome to mentorhub! What name should people see?"),
                    context("› Use “Ada Lovelace”"),
                ],
                "replace_original": True,
            }
        ]
        tz_buttons = tz_prompt["blocks"][1]["elements"]
        assert tz_buttons[0] == button(0, "Europe/Berlin", "d:1:2:Europe/Berlin")  # users.info tz
        assert tz_buttons[-1]["value"] == CANCEL

        # Free text in the DM answers the next two steps.
        await wire.dm("Lisbon")
        languages_prompt = await settle(messenger, slack, posts=3)
        assert languages_prompt["text"].startswith("Which languages")
        await wire.dm("en, de")
        welcome = await settle(messenger, slack, posts=4)

    assert welcome == {
        "channel": "D_U1",
        "text": "Welcome!\nYou're registered, Ada Lovelace. Your handle is @ada_lovelace.\n"
        "Next: `/mentor programs` to find a program to join, or `/mentor help` to see everything.",
        "blocks": [
            section(
                "*Welcome!*\nYou're registered, Ada Lovelace. Your handle is @ada_lovelace.\n"
                "Next: `/mentor programs` to find a program to join, or `/mentor help` to see"
                " everything."
            )
        ],
    }
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("slack"), TEAM, "U1")
        assert account is not None
        person = await uow.people.get(account.person_id)
    assert person is not None
    assert (person.name, person.timezone, person.languages) == (
        "Ada Lovelace",
        "Europe/Lisbon",
        ("en", "de"),
    )
    assert (account.display_name, account.reachable) == ("Ada Lovelace", True)

    api_calls = [call.method for call in slack.calls if call.method != "response_url"]
    connect = ["apps.connections.open"] if mode == "socket" else []
    assert api_calls == [
        "auth.test",  # once, at start; bolt reuses it
        *connect,
        "users.info",  # once: cached
        "conversations.open",  # once: cached
        *["chat.postMessage"] * 4,
    ]
    assert all(call.token == "xoxb-test-token" for call in slack.calls_to("chat.postMessage"))
    assert [post["channel"] for post in slack.posted_messages()] == ["D_U1"] * 4


async def test_help_profile_privacy_cancel_answer_where_they_were_asked(
    app: Mentorhub, slack: FakeSlack
) -> None:
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)

        # In a channel: answers are ephemeral, through response_url; nothing is posted.
        await wire.command("", name="help")
        await wire.command("profile", name="profile-unregistered")
        await wire.command('start "Ada L" Europe/Berlin en', name="start")
        await wire.command("privacy", name="privacy")
        await slack.wait_for(lambda: len(slack.response_url_posts()) == 4)
        assert await messenger.idle()
        assert slack.posted_messages() == []

        (help_answer,) = slack.response_url_posts("help")
        assert help_answer["response_type"] == "ephemeral"
        assert help_answer["blocks"][0]["text"]["text"].startswith("*What you can do*\n")
        assert help_answer["blocks"][-1] == context(
            "In Slack: /mentor &lt;command&gt; anywhere, or just the command as a direct "
            "message to me."
        )
        assert translate(HELP_FOOTER, None).startswith("In Slack")
        (not_registered,) = slack.response_url_posts("profile-unregistered")
        assert not_registered["blocks"][0]["text"]["text"].startswith(":warning: ")
        assert not_registered["text"].startswith("⚠ ")
        (welcome,) = slack.response_url_posts("start")
        assert welcome["blocks"][0]["text"]["text"].startswith("*Welcome!*")
        (privacy,) = slack.response_url_posts("privacy")
        assert privacy["blocks"][0]["text"]["text"].startswith("*Privacy*")

        # In our DM: an ordinary message there instead.
        await wire.command("profile", channel="D_U1", name="profile-dm")
        card = await settle(messenger, slack, posts=1)
        assert card["channel"] == "D_U1"
        assert card["blocks"][0] == section("*Your profile*")
        assert slack.response_url_posts("profile-dm") == []

        # A button on an ephemeral card that opens a dialog: the dialog goes to the DM.
        await wire.click(card, "Change time zone", ephemeral=True, channel="C1", name="tz")
        prompt = await settle(messenger, slack, posts=2)
        assert prompt["text"].startswith("Which time zone are you in?")
        await slack.wait_for(lambda: slack.response_url_posts("tz"))
        assert [p["text"] for p in slack.response_url_posts("tz")] == [translate(DM_POINTER, None)]

        await wire.command("cancel", name="cancel")
        await slack.wait_for(lambda: slack.response_url_posts("cancel"))
        assert slack.response_url_posts("cancel")[0]["text"] == (
            "Cancelled your profile change. Nothing from it was saved."
        )


async def test_mention_injection_is_rendered_harmlessly(app: Mentorhub, slack: FakeSlack) -> None:
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        # What Slack sends when someone types: start "<!channel> & <@U2>" Europe/Berlin en
        await wire.command(
            'start "&lt;!channel&gt; &amp; &lt;@U2&gt;" Europe/Berlin en', channel="D_U1"
        )
        welcome = await settle(messenger, slack, posts=1)
    assert welcome["blocks"][0]["text"]["text"].startswith(
        "*Welcome!*\nYou're registered, &lt;!channel&gt; &amp; &lt;@U2&gt;."
    )
    assert "<!channel>" not in str(welcome) and "<@U2>" not in str(welcome)
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("slack"), TEAM, "U1")
        assert account is not None
        person = await uow.people.get(account.person_id)
    assert person is not None
    assert person.name == "<!channel> & <@U2>"  # stored as typed, plain


async def test_without_users_read_the_core_asks_and_the_payload_names(
    app: Mentorhub, slack: FakeSlack
) -> None:
    slack.set_handler("users.info", lambda params, token: {"ok": False, "error": "missing_scope"})
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.command("start", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        await wire.click(prompt, "Use “u1”")  # the slash command's user_name
        tz_prompt = await settle(messenger, slack, posts=2)
    assert tz_prompt["blocks"][1]["elements"][0]["text"]["text"] != "Europe/Berlin"
    assert len(slack.calls_to("users.info")) == 1  # not asked again once refused


async def test_dm_typed_command_and_unknown_text(app: Mentorhub, slack: FakeSlack) -> None:
    await register(app, "U1", "Ada")
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.dm("help")
        help_post = await settle(messenger, slack, posts=1)
        await wire.dm("profle")  # a typo: the core suggests
        typo = await settle(messenger, slack, posts=2)
    assert help_post["blocks"][-1]["type"] == "context"  # the Slack footer
    assert "profile" in typo["text"]


async def test_someone_whose_slack_is_in_spanish_is_answered_in_spanish(
    app: Mentorhub, slack: FakeSlack
) -> None:
    """Slack says each member's language (``users.info`` with ``include_locale``): until
    someone chooses with `language`, that is the language they read."""
    slack.set_user("U3", tz="Europe/Madrid", real_name="Lucía Gómez", locale="es-ES")
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.command("start", user="U3", channel="D_U3")
        prompt = await settle(messenger, slack, posts=1)
        asked = translate(_("Welcome to mentorhub! What name should people see?"), "es")
        assert asked != "Welcome to mentorhub! What name should people see?"
        assert prompt["text"] == asked
        labels = [e["text"]["text"] for b in prompt["blocks"] if b["type"] == "actions"
                  for e in b["elements"]]  # fmt: skip
        assert translate(_("Use “{name}”", name="Lucía Gómez"), "es") in labels
