"""DiscordMessenger through the real Hub, with the real discord.py against FakeDiscord."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from adapters.discord.adapter import DiscordMessenger, intents
from adapters.discord.commands import command_payloads
from adapters.discord.render import ANSWER_BUTTON_ID, answer_modal_payload
from bots.bootstrap import Mentorhub
from core.delivery import MessengerFailed, Unreachable
from core.i18n import _, translate
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Action, Choice, Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.discord.harness import (
    ANN,
    BOB,
    EPHEMERAL,
    GUILD,
    ZW,
    Harness,
    Token,
    button_id,
    buttons,
    message_text,
    messenger_for,
    settings,
)
from tests.fakes.discord_api import (
    DEFAULT_APPLICATION_ID,
    FakeDiscord,
    message_create,
    option,
    slash_command_interaction,
    subcommand,
)

pytestmark = pytest.mark.timeout(20)

GUILD_COMMANDS = rf"^/applications/{DEFAULT_APPLICATION_ID}/guilds/{GUILD}/commands$"


async def register(h: Harness, user: int, name: str = "Ann") -> int:
    ref = UserRef(Platform("discord"), "", str(user), display_name=name)
    await h.app.hub.command(ref, "start", f"name='{name}' timezone=Europe/Berlin languages=en")
    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(user))
    assert account is not None
    return account.person_id


async def queue(app: Mentorhub, person_id: int, *replies: Reply) -> None:
    async with app.uow() as uow:
        for index, reply in enumerate(replies):
            await uow.outbox.add(
                OutboxMessage(
                    person_id=person_id,
                    key=f"test-{index}-{reply.text[:20]}",
                    kind="notice",
                    payload=reply_to_data(reply),
                    created_at=app.clock.now(),
                    next_attempt_at=app.clock.now(),
                )
            )
        await uow.commit()


# --- start-up ----------------------------------------------------------------------------


async def test_start_connects_without_privileged_intents_and_registers_mentor(
    h: Harness,
) -> None:
    assert h.dc.last_intents == intents().value
    assert h.dc.last_intents == (1 << 0) | (1 << 12)  # GUILDS | DIRECT_MESSAGES
    (put,) = h.dc.calls_to("PUT", GUILD_COMMANDS)
    assert put.json == command_payloads(h.app.hub.registry.all(), global_scope=False)
    # the schema matches the registry, command by command and option by option
    commands = h.dc.registered_commands(GUILD)
    assert [c["name"] for c in commands] == ["mentor", "mentor-pair", "mentor-admin"]
    registry = h.app.hub.registry
    subcommands = [sub for command in commands for sub in command["options"]]
    assert sorted(o["name"] for o in subcommands) == sorted(s.name for s in registry.all())
    for sub in subcommands:
        spec = registry.get(sub["name"])
        assert spec is not None
        assert sub["description"] == spec.summary
        args = {a.name: a for a in spec.args}
        assert {o["name"] for o in sub.get("options", [])} == set(args)
        for opt in sub.get("options", []):
            arg = args[opt["name"]]
            assert opt["required"] == arg.required
            assert opt["type"] == (4 if arg.kind == "int" else 3)
            assert [c["value"] for c in opt.get("choices", [])] == (
                list(arg.choices) if arg.kind == "choice" else []
            )
    assert h.dc.calls_to("PUT", rf"^/applications/{DEFAULT_APPLICATION_ID}/commands$") == []


async def test_sync_global_registers_each_command_once_in_every_server(h: Harness) -> None:
    """Discord shows a server both its guild commands and the global ones: with
    sync_global the guild_ids' copies (from an earlier guild-only start) are removed, so
    each command shows once there."""
    assert len(h.dc.registered_commands(GUILD)) == 3  # started guild-only
    await h.restart(sync_global=True)
    commands = h.dc.registered_commands()
    assert [c["name"] for c in commands] == ["mentor", "mentor-pair", "mentor-admin"]
    assert all(command["contexts"] == [0, 1] for command in commands)
    assert h.dc.registered_commands(GUILD) == []
    await h.messenger.stop()
    await h.messenger.stop()  # twice is fine


async def test_a_bad_token_fails_start_cleanly_naming_the_fix(
    dc: FakeDiscord, app: Mentorhub, caplog: pytest.LogCaptureFixture
) -> None:
    messenger = DiscordMessenger(app.hub, token=Token("wrong"), settings=settings(dc))
    with pytest.raises(MessengerFailed, match="Reset Token"):
        await messenger.start()
    assert messenger.client is None and not messenger.ready
    assert any(
        r.levelno == logging.ERROR and "Reset Token" in r.getMessage() for r in caplog.records
    )


async def test_a_guild_the_bot_is_not_in_is_reported_not_fatal(
    dc: FakeDiscord, app: Mentorhub, caplog: pytest.LogCaptureFixture
) -> None:
    dc.fail_next(
        "PUT",
        r"/guilds/999/commands$",
        status=403,
        body={"message": "Missing Access", "code": 50001},
    )
    messenger = messenger_for(app, dc, guild_ids=(999, GUILD))
    await messenger.start()
    try:
        assert "could not register /mentor in guild 999" in caplog.text
        assert "scope=bot+applications.commands&permissions=2147503104" in caplog.text
        assert dc.registered_commands(GUILD)
    finally:
        await messenger.stop()


# --- the registration dialog in a guild ---------------------------------------------------


async def test_register_in_a_guild_with_buttons_and_a_modal(h: Harness) -> None:
    token = await h.slash("start", locale="en-US")
    (prompt,) = await h.replies(token)
    assert prompt["flags"] & EPHEMERAL
    assert "What name should people see?" in prompt["content"]
    assert [label for label, _ in buttons(prompt)] == [
        "Type your answer",
        "Use “ann”",
        "Cancel",
    ]
    (response,) = h.dc.interaction_responses()
    assert response.type == 4
    assert response.data is not None
    assert response.data["allowed_mentions"] == {"parse": []}

    # a button answers the name step: the prompt shows the answer, without live buttons
    token = await h.click(prompt, button_id(prompt, "Use"))
    tz_prompt = await h.reply_with(token, "Which time zone are you in?")
    assert tz_prompt["flags"] & EPHEMERAL
    answered = h.dc.original_response(token)
    assert answered is not None and answered["id"] == prompt["id"]
    assert answered["content"] == prompt["content"] + "\n› Use “ann”"
    assert buttons(answered) == []
    assert [label for label, _ in buttons(tz_prompt)][:4] == [
        "Type your answer",
        "America/New_York",  # from the interaction's locale, en-US
        "America/Chicago",
        "America/Los_Angeles",
    ]

    # free text in a guild: the answer button opens a modal ...
    token = await h.click(tz_prompt, ANSWER_BUTTON_ID)
    await h.dc.wait_for(lambda: h.dc.interaction_responses()[-1].type == 9)
    modal = h.dc.interaction_responses()[-1].data
    assert modal == answer_modal_payload(tz_prompt["content"])
    assert modal is not None and modal["components"][0] == {
        "type": 10,
        "content": tz_prompt["content"],  # the question, above the input
    }
    assert modal["components"][1]["description"] == "Up to 2,000 characters. Tap Submit to send it."
    # ... whose submission is the answer
    token = await h.submit("Lisbon")
    languages = await h.reply_with(token, "Which languages")
    assert [label for label, _ in buttons(languages)] == ["Type your answer", "en", "Cancel"]

    token = await h.click(languages, button_id(languages, "en"))
    welcome = await h.reply_with(token, "You're registered, ann.")
    assert welcome["content"].startswith("**Welcome!**\n")

    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(ANN))
        assert account is not None
        person = await uow.people.get(account.person_id)
    assert person is not None
    assert (person.name, person.timezone, person.languages) == ("ann", "Europe/Lisbon", ("en",))

    # the profile is an embed card, still ephemeral
    token = await h.slash("profile")
    (card,) = await h.replies(token)
    assert card["flags"] & EPHEMERAL
    assert card["embeds"][0]["title"] == "Your profile"
    assert "Time zone: Europe/Lisbon" in message_text(card)


async def test_help_cancel_and_privacy(h: Harness) -> None:
    help_text = await h.reply_with(await h.slash("help", option("command", "profile")), "profile")
    assert help_text["content"].startswith("**help: profile**")
    await h.reply_with(await h.slash("cancel"), "There was nothing to cancel.")
    await h.reply_with(await h.slash("privacy"), "mentorhub stores your name")


async def test_a_button_still_works_after_a_restart(h: Harness) -> None:
    (prompt,) = await h.replies(await h.slash("start"))
    old_client = h.messenger.client
    await h.restart()
    assert h.messenger.client is not old_client
    assert h.dc.identifies == 2
    token = await h.click(prompt, button_id(prompt, "Use"))
    await h.reply_with(token, "Which time zone are you in?")


async def test_a_stale_button_changes_nothing(h: Harness) -> None:
    (prompt,) = await h.replies(await h.slash("start"))
    await h.reply_with(await h.click(prompt, button_id(prompt, "Use")), "time zone")
    token = await h.click(prompt, button_id(prompt, "Use"))  # the same button again
    await h.reply_with(token, "That button is from an earlier question")


async def test_slow_core_work_is_deferred_then_followed_up(h: Harness) -> None:
    await h.restart(ack_budget=0.0)
    token = await h.slash("privacy")
    (reply,) = await h.replies(token)
    assert [r.type for r in h.dc.interaction_responses()] == [5]
    assert h.dc.interaction_responses()[0].data == {"flags": EPHEMERAL}
    assert "mentorhub stores your name" in message_text(reply)
    assert reply["flags"] & EPHEMERAL


async def test_several_replies_are_follow_ups(h: Harness) -> None:
    await register(h, ANN)
    token = await h.slash("start")  # already registered: "Welcome back" and the profile
    first, second = await h.replies(token, 2)
    assert "Welcome back, Ann!" in first["content"]
    assert second["embeds"][0]["title"] == "Your profile"
    assert second["flags"] & EPHEMERAL


async def test_timezone_autocomplete(h: Harness) -> None:
    payload = slash_command_interaction(
        interaction_id=77,
        user_id=ANN,
        channel_id=h.channel,
        guild_id=GUILD,
        options=[subcommand("start", option("timezone", "lisb"))],
        command_guild_id=GUILD,
        locale="pt-BR",
    )
    payload["type"] = 4
    payload["data"]["options"][0]["options"][0]["focused"] = True
    await h.dc.dispatch("INTERACTION_CREATE", payload)
    await h.dc.wait_for(lambda: h.dc.interaction_responses())
    (response,) = h.dc.interaction_responses()
    assert response.type == 8
    assert response.data == {"choices": [{"name": "Europe/Lisbon", "value": "Europe/Lisbon"}]}


# --- mentions -------------------------------------------------------------------------------


async def test_everyone_in_user_text_never_pings(h: Harness) -> None:
    token = await h.slash(
        "start",
        option("name", "@everyone **boss** <@&444444444444444444>"),
        option("timezone", "Europe/Berlin"),
        option("languages", "en"),
    )
    welcome = await h.reply_with(token, "You're registered")
    assert f"@{ZW}everyone \\*\\*boss\\*\\* <@{ZW}&444444444444444444>" in welcome["content"]
    assert h.dc.interaction_responses()[0].data["allowed_mentions"] == {"parse": []}  # type: ignore[index]

    # the same name in a DM (outbox) and in a channel fallback
    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(ANN))
        assert account is not None
        person = await uow.people.get(account.person_id)
    assert person is not None
    notice = Reply(f"{person.name} wants to pair with you", title="@here")
    await h.messenger.send(account, notice)
    await h.messenger.post_in_channel(str(h.channel), str(BOB), notice)
    dm_call, channel_call = h.dc.calls_to("POST", r"^/channels/\d+/messages$")
    assert dm_call.json["allowed_mentions"] == {"parse": []}
    assert dm_call.json["content"] == (
        f"**@{ZW}here**\n@{ZW}everyone \\*\\*boss\\*\\* <@{ZW}&444444444444444444> "
        "wants to pair with you"
    )
    assert dm_call.json["nonce"] and dm_call.json["enforce_nonce"] is True
    # only the one user we mean to mention may be pinged
    assert channel_call.path == f"/channels/{h.channel}/messages"
    assert channel_call.json["allowed_mentions"] == {"parse": [], "users": [str(BOB)]} or (
        channel_call.json["allowed_mentions"] == {"parse": [], "users": [BOB]}
    )
    assert channel_call.json["content"].startswith(f"<@{BOB}> **@{ZW}here**")


# --- DMs ------------------------------------------------------------------------------------


async def test_free_text_in_dms_answers_the_dialog(h: Harness) -> None:
    dm = 555

    async def say(message_id: int, text: str) -> dict[str, Any]:
        before = len(h.dc.messages_sent(dm))
        await h.dc.dispatch(
            "MESSAGE_CREATE",
            message_create(
                message_id=message_id, channel_id=dm, author_id=ANN, content=text, username="ann"
            ),
        )
        sent = await h.dc.wait_for(lambda: len(m := h.dc.messages_sent(dm)) > before and m)
        return dict(sent[-1])

    prompt = await say(9001, "start")
    assert "What name should people see?" in prompt["content"]
    assert ANSWER_BUTTON_ID not in [cid for _, cid in buttons(prompt)]  # DMs: just type
    assert "Which time zone" in (await say(9002, "Ann Lee"))["content"]
    assert "Which languages" in (await say(9003, "Lisbon"))["content"]
    assert "You're registered, Ann Lee." in (await say(9004, "pt, en"))["content"]
    # a button under a DM message answers in the DM, not ephemerally
    token = await h.click(prompt, button_id(prompt, "Cancel"), guild=None)
    (answer,) = await h.replies(token)
    assert not answer["flags"] & EPHEMERAL
    # the DM channel is known now: a notice to Ann opens no new DM
    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(ANN))
    assert account is not None
    await h.messenger.send(account, Reply("hello again"))
    assert h.dc.dm_opens == 0
    assert h.dc.messages_sent(dm)[-1]["content"] == "hello again"


async def test_quick_successive_dms_are_answered_in_order(h: Harness) -> None:
    dm = 557
    for message_id, text in enumerate(["start", "Ann Lee", "Lisbon", "pt, en"], start=9201):
        payload = message_create(message_id=message_id, channel_id=dm, author_id=ANN, content=text)
        await h.dc.dispatch("MESSAGE_CREATE", payload)  # no waiting in between
    sent = await h.dc.wait_for(lambda: len(m := h.dc.messages_sent(dm)) >= 4 and m)
    assert [m["content"].split("\n")[0] for m in sent] == [
        "Welcome to mentorhub! What name should people see?",
        "Which time zone are you in? Reminders arrive at sensible local times.",
        "Which languages can you mentor or be mentored in? e.g. en, de",
        "**Welcome!**",
    ]


async def test_a_slash_command_in_the_bots_dm(h: Harness) -> None:
    token = await h.slash("start", guild=None, channel_id=558)
    (prompt,) = await h.replies(token)
    assert not prompt["flags"] & EPHEMERAL  # a DM is private already; keep the history
    assert ANSWER_BUTTON_ID not in [cid for _, cid in buttons(prompt)]
    # the interaction told us Ann's DM channel: a notice needs no new DM
    await h.messenger.send(PlatformAccount(Platform("discord"), "", str(ANN), 1), Reply("hi"))
    assert h.dc.dm_opens == 0
    assert h.dc.messages_sent(558)[-1]["content"] == "hi"


async def test_a_replayed_dm_is_handled_once(h: Harness) -> None:
    payload = message_create(message_id=9101, channel_id=556, author_id=ANN, content="help")
    await h.dc.dispatch("MESSAGE_CREATE", payload)
    await h.dc.wait_for(lambda: h.dc.messages_sent(556))
    await h.dc.dispatch("MESSAGE_CREATE", payload)
    await h.slash("privacy")  # a later event, handled after the replay
    await h.dc.wait_for(lambda: h.dc.interaction_responses())
    assert len(h.dc.messages_sent(556)) == 1


async def test_send_opens_a_dm_once_and_maps_closed_dms_to_unreachable(h: Harness) -> None:
    account = PlatformAccount(Platform("discord"), "", str(ANN), person_id=1)
    await h.messenger.send(account, Reply("one", choices=(Choice("OK", "c:ok"),)))
    await h.messenger.send(account, Reply("two"))
    assert h.dc.dm_opens == 1
    dm = h.dc.dm_channel_id(ANN)
    sent = h.dc.messages_sent(dm)
    assert [m["content"] for m in sent] == ["one", "two"]
    assert buttons(sent[0]) == [("OK", "c:ok")]
    # discord.py keeps no View per sent message (timeout=None views would pile up)
    assert h.messenger.client is not None
    assert h.messenger.client.persistent_views == []

    h.dc.close_dms(BOB)
    with pytest.raises(Unreachable, match="50007"):
        await h.messenger.send(PlatformAccount(Platform("discord"), "", str(BOB), 2), Reply("hi"))


async def test_delivery_marks_a_closed_dm_account_unreachable(h: Harness) -> None:
    person_id = await register(h, BOB, "Bob")
    h.dc.close_dms(BOB)
    await queue(h.app, person_id, Reply("your mentor is waiting"))
    report = await h.app.deliver()
    assert (report.sent, report.unreachable) == (0, 1)
    async with h.app.uow() as uow:
        (account,) = await uow.accounts.of_person(person_id)
    assert account.reachable is False


async def test_server_errors_are_transient(h: Harness) -> None:
    from core.delivery import TransientFailure

    account = PlatformAccount(Platform("discord"), "", str(ANN), person_id=1)
    await h.messenger.send(account, Reply("open the channel"))
    h.dc.fail_next("POST", r"^/channels/\d+/messages$", status=503)
    with pytest.raises(TransientFailure, match="503"):
        await h.messenger.send(account, Reply("x"))


# --- reconnects and replays ----------------------------------------------------------------


async def test_a_reconnect_during_delivery_duplicates_nothing(h: Harness) -> None:
    person_id = await register(h, ANN)
    notices = [
        Reply(f"nudge {i}", choices=(Choice("Done", Action.command("cancel").encode()),))
        for i in range(12)
    ]
    await queue(h.app, person_id, *notices)
    h.dc.rtt = 0.01  # so the reconnect lands mid-series
    delivery = asyncio.create_task(h.app.deliver())
    await h.dc.wait_for(lambda: len(h.dc.messages_sent()) >= 3)
    await h.dc.send_reconnect()
    assert len(h.dc.messages_sent()) < 12  # the reconnect really is mid-series
    report = await asyncio.wait_for(delivery, 10)
    await h.dc.wait_for(lambda: h.dc.resumes == 1)
    assert report.sent == 12
    contents = [m["content"] for m in h.dc.messages_sent()]
    assert sorted(contents) == sorted(f"nudge {i}" for i in range(12))
    assert h.dc.dm_opens == 1
    # the gateway came back: interactions work, and nothing is sent again
    await h.reply_with(await h.slash("privacy"), "mentorhub stores")
    assert await h.app.deliver() == type(report)()
    assert len(h.dc.messages_sent()) == 12


async def test_a_replayed_interaction_is_processed_once(h: Harness) -> None:
    payload = slash_command_interaction(
        interaction_id=4242,
        user_id=ANN,
        channel_id=h.channel,
        guild_id=GUILD,
        options=[
            subcommand(
                "start", option("name", "Ann"), option("timezone", "UTC"), option("languages", "en")
            )
        ],
        command_guild_id=GUILD,
    )
    await h.dc.dispatch("INTERACTION_CREATE", payload)
    await h.dc.wait_for(lambda: h.dc.interaction_responses())
    await h.dc.dispatch("INTERACTION_CREATE", payload)  # e.g. replayed after a RESUME
    await h.reply_with(await h.slash("privacy"), "mentorhub stores")
    assert [r.interaction_id for r in h.dc.interaction_responses()].count("4242") == 1
    assert all(c.status < 400 for c in h.dc.calls)  # no 40060 "already acknowledged"


async def test_an_interaction_sent_while_disconnected_arrives_once_on_resume(h: Harness) -> None:
    await h.dc.disconnect()
    token = await h.slash("privacy")  # queued by the fake, replayed on RESUME
    await h.reply_with(token, "mentorhub stores")
    await h.dc.wait_for(lambda: h.dc.resumes >= 1)
    await h.reply_with(await h.slash("cancel"), "nothing to cancel")
    assert len(h.dc.interaction_responses()) == 2


async def test_a_worker_sends_without_the_gateway_until_it_holds_the_shard(
    app: Mentorhub, dc: FakeDiscord
) -> None:
    # With several workers, one holds the gateway (bots/receiving.py); all of them send.
    messenger = messenger_for(app, dc)
    app.outlets.add(messenger)
    ann = PlatformAccount(Platform("discord"), "", str(ANN), 1)
    await messenger.start_sending()
    try:
        assert messenger.receiver_name() == f"discord-gateway:{DEFAULT_APPLICATION_ID}:0"
        await messenger.send(ann, Reply("sent over REST alone"))
        assert (dc.identifies, dc.connected_sessions) == (0, 0)
        assert dc.registered_commands(GUILD) == []  # the receiving worker registers them

        await messenger.start_receiving()
        assert (dc.identifies, dc.connected_sessions) == (1, 1)
        assert dc.registered_commands(GUILD)
        h = Harness(dc, app, messenger)
        token = await h.slash("help")
        assert await h.replies(token)

        await messenger.stop_receiving()
        await dc.wait_for(lambda: dc.connected_sessions == 0)
        await messenger.send(ann, Reply("still sending"))
        texts = [m["content"] for m in dc.messages_sent(dc.dm_channel_id(ANN))]
        assert texts == ["sent over REST alone", "still sending"]
    finally:
        await messenger.stop()


async def test_someone_whose_discord_is_in_german_is_answered_in_german(h: Harness) -> None:
    """Discord says each interaction's client language (``locale``): until someone chooses
    with `language`, that is the language they read."""
    token = await h.slash(
        "start",
        option("name", "Ann"),
        option("timezone", "Europe/Berlin"),
        option("languages", "de"),
        locale="de",
    )
    registered = translate(
        _("You're registered, {name}. Your handle is @{handle}.", name="Ann", handle="ann"),
        "de",
    )
    welcome = await h.reply_with(token, registered.split("@")[0])
    assert translate(_("Welcome!"), "de") in message_text(welcome)
    token = await h.slash("language", locale="de")
    shown = message_text(await h.reply_with(token, "Deutsch"))
    assert translate(_("Language"), "de") in shown
