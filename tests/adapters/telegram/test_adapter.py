"""The adapter end to end: real PTB in polling and webhook mode, the real hub, FakeTelegram."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
import pytest

from bots.bootstrap import Mentorhub
from core.delivery import RateLimited, Unreachable
from core.i18n import said, translate
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Choice, Reply, reply_to_data
from core.pacing import Pacer
from core.ports import OutboxMessage
from tests.adapters.telegram.conftest import (
    SECRET,
    TOKEN,
    Bot,
    account_of,
    describe,
    make_messenger,
    markup,
    running_bot,
)
from tests.fakes.telegram_api import (
    BOT_USERNAME,
    FakeTelegram,
    callback_query_update,
    message_update,
    my_chat_member_update,
)
from tests.storage.helpers import pending_outbox

pytestmark = pytest.mark.timeout(10)

ADA = 1111111
BOB = 2222222
GROUP = -1009876543
WJ = "\u2060"

NAME_PROMPT = "Welcome to mentorhub! What name should people see?"
ZONE_PROMPT = (
    "Which time zone are you in? Reminders arrive at sensible local times.\n"
    "Tap one, or type an IANA name (Europe/Berlin) or a city (Lisbon)."
)
LANGUAGE_PROMPT = f"Which languages can you mentor or be mentored in? e.{WJ}g. en, de"


def ada_says(text: str) -> dict[str, object]:
    return message_update(ADA, text, first_name="Ada", last_name="Lovelace", language_code="en")


def ada_presses(data: str, message_id: int) -> dict[str, object]:
    return callback_query_update(
        ADA, data, message_id=message_id, first_name="Ada", last_name="Lovelace", language_code="en"
    )


Deliver = Callable[[dict[str, object]], Awaitable[None]]


def by_polling(tg: FakeTelegram) -> Deliver:
    async def push(update: dict[str, object]) -> None:
        tg.push_update(update)

    return push


def by_webhook(tg: FakeTelegram) -> Deliver:
    async def post(update: dict[str, object]) -> None:
        assert await tg.deliver_webhook(update) == 200

    return post


async def register_ada(tg: FakeTelegram, bot: Bot, deliver: Deliver) -> None:
    """Ada registers by /start, a button, a typed city and a button; every step asserted."""
    await deliver(ada_says("/start"))
    [first] = await bot.sent(1)
    assert first.chat_id == ADA
    assert first.params["text"] == NAME_PROMPT
    assert first.params["parse_mode"] == "HTML"
    assert first.params["reply_markup"] == markup(
        [("Use “Ada Lovelace”", "d:1:1:=display")], [("Cancel", "c:cancel")]
    )

    await deliver(ada_presses("d:1:1:=display", first.result["message_id"]))
    second = (await bot.sent(2))[1]
    assert second.params["text"] == ZONE_PROMPT
    assert second.params["reply_markup"] == markup(
        [("Europe/London", "d:1:2:Europe/London")],
        [("America/New_York", "d:1:2:America/New_York")],
        [("America/Los_Angeles", "d:1:2:America/Los_Angeles")],
        [("Cancel", "c:cancel")],
    )
    methods = [c.method for c in tg.calls if c.method != "getUpdates"]
    pressed = methods.index("answerCallbackQuery")
    assert methods[pressed:] == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    [removed] = tg.calls_to("editMessageReplyMarkup")
    assert removed.chat_id == ADA
    assert removed.params["message_id"] == first.result["message_id"]
    assert "reply_markup" not in removed.params  # the keyboard is gone

    await deliver(ada_says("Lisbon"))
    third = (await bot.sent(3))[2]
    assert third.params["text"] == LANGUAGE_PROMPT
    assert third.params["reply_markup"] == markup([("en", "d:1:3:en")], [("Cancel", "c:cancel")])

    await deliver(ada_presses("d:1:3:de", third.result["message_id"]))
    fourth = (await bot.sent(4))[3]
    assert fourth.params["text"] == (
        "<b>Welcome!</b>\n"
        f"You're registered, Ada Lovelace. Your handle is @{WJ}ada_lovelace.\n"
        "Next: /programs to find a program to join, or /help to see everything."
    )
    assert "reply_markup" not in fourth.params
    assert len(tg.calls_to("answerCallbackQuery")) == 2


async def assert_ada_registered(app: Mentorhub) -> None:
    account = await account_of(app, ADA)
    async with app.uow() as uow:
        person = await uow.people.get(account.person_id)
    assert person is not None
    assert (person.name, person.timezone, person.languages) == (
        "Ada Lovelace",
        "Europe/Lisbon",
        ("de",),
    )
    assert account.display_name == "Ada Lovelace"


# --------------------------------------------------------------------------- registration


async def test_registration_by_buttons_and_text_over_long_polling(
    app: Mentorhub, tg: FakeTelegram, bot: Bot
) -> None:
    await register_ada(tg, bot, by_polling(tg))
    await assert_ada_registered(app)
    assert tg.pending_updates == []  # each update confirmed through the getUpdates offset


async def test_a_worker_sends_without_polling_until_it_takes_the_polling_over(
    app: Mentorhub, tg: FakeTelegram
) -> None:
    # With several workers, one holds the long poll (bots/receiving.py); all of them send.
    messenger = make_messenger(app, tg)
    ada = PlatformAccount(Platform("telegram"), "", str(ADA), person_id=1)
    await messenger.start_sending()
    try:
        assert messenger.receiver_name() == "telegram-polling:777"
        await messenger.send(ada, Reply("sent by a worker that does not poll"))
        assert tg.waiting_long_polls == 0 and not messenger.polling
        assert tg.sent_messages(ADA)[0]["text"] == "sent by a worker that does not poll"
        tg.clear_calls()

        await messenger.start_receiving()
        await tg.wait_for(lambda _: tg.waiting_long_polls == 1)
        await register_ada(tg, Bot(messenger, tg), by_polling(tg))

        await messenger.stop_receiving()
        assert not messenger.polling and tg.waiting_long_polls == 0
        await messenger.send(ada, Reply("still sending"))
        assert tg.sent_messages(ADA)[-1]["text"] == "still sending"
    finally:
        await messenger.stop()
    await assert_ada_registered(app)


async def test_a_webhook_needs_no_receiver_lease(app: Mentorhub, tg: FakeTelegram) -> None:
    async with running_bot(app, tg, webhook=True) as bot:
        assert bot.messenger.receiver_name() is None


async def test_registration_over_a_webhook(app: Mentorhub, tg: FakeTelegram) -> None:
    async with running_bot(app, tg, webhook=True) as bot:
        assert tg.webhook_secret_token == SECRET
        assert tg.webhook_url.endswith("/tg/hook")
        assert tg.webhook_params["allowed_updates"] == [
            "message",
            "callback_query",
            "my_chat_member",
        ]
        await register_ada(tg, bot, by_webhook(tg))
    await assert_ada_registered(app)
    assert tg.webhook_url != ""  # left registered on stop: other workers may serve it


async def test_a_wrong_webhook_secret_is_refused_and_nothing_runs(
    app: Mentorhub, tg: FakeTelegram
) -> None:
    async with running_bot(app, tg, webhook=True) as bot:
        url = tg.webhook_url
        assert await tg.post_webhook(url, ada_says("/start"), "wrong-secret") == 403
        assert await tg.post_webhook(url, ada_says("/start")) == 403  # no header at all
        assert await tg.post_webhook(url, ada_says("/start"), SECRET[:-1]) == 403
        assert await tg.post_webhook(url, ada_says("/privacy"), SECRET) == 200
        [reply] = await bot.sent(1)
        await bot.until_handled(1)
    assert reply.params["text"].startswith("<b>Privacy</b>\n")
    assert [describe(i) for i in bot.handled] == ["Command in a private chat"]
    async with app.uow() as uow:
        assert await uow.dialogs.active(f"telegram::{ADA}") is None  # /start never ran


async def test_a_malformed_webhook_body_is_a_400(app: Mentorhub, tg: FakeTelegram) -> None:
    async with running_bot(app, tg, webhook=True) as bot:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(tg.webhook_url, data=b"{not json", headers=headers) as response,
        ):
            assert response.status == 400
    assert bot.handled == []


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_repeated_update_id_is_processed_once(
    app: Mentorhub, tg: FakeTelegram, webhook: bool
) -> None:
    async with running_bot(app, tg, webhook=webhook) as bot:
        first = {"update_id": 5000, **ada_says("/privacy")}
        again = {"update_id": 5000, **ada_says("/privacy")}
        later = {"update_id": 5001, **ada_says("/help")}
        for update in (first, again, later):
            if webhook:
                assert await tg.deliver_webhook(update) == 200
            else:
                tg.push_update(update)
        await bot.until_handled(2)  # one chat is handled in order: the repeat came before
        replies = await bot.sent(2)
    assert [r.params["text"].split("\n")[0] for r in replies] == [
        "<b>Privacy</b>",
        "<b>What you can do</b>",
    ]
    assert len(bot.handled) == 2


# --------------------------------------------------------------------------- commands, menus


async def test_the_command_menu_comes_from_the_registry(app: Mentorhub, bot: Bot) -> None:
    expected = [
        {"command": spec.name, "description": spec.summary} for spec in app.hub.registry.all()
    ]
    assert bot.tg.commands() == expected
    names = [c["command"] for c in expected]
    assert names[:5] == ["help", "start", "profile", "cancel", "privacy"]
    assert {"checkin", "agree", "status", "end"} <= set(names)
    assert len(names) <= 100  # Telegram's limit for setMyCommands
    assert bot.messenger.bot_username == BOT_USERNAME


async def test_the_command_menu_is_published_in_each_of_our_languages(
    app: Mentorhub, bot: Bot
) -> None:
    english = bot.tg.commands()
    for language, code in (("de", "de"), ("es", "es"), ("pt-BR", "pt"), ("ru", "ru")):
        menu = bot.tg.commands(language_code=code)
        assert [c["command"] for c in menu] == [c["command"] for c in english]  # typed the same
        checkin = next(c for c in menu if c["command"] == "checkin")
        summary = app.hub.registry.get("checkin").summary  # type: ignore[union-attr]
        assert checkin["description"] == translate(said(summary), language) != summary
        assert all(1 <= len(c["description"]) <= 256 for c in menu)


async def test_a_deep_link_payload_is_passed_to_start(app: Mentorhub, bot: Bot) -> None:
    # `start` reads join_<slug> as an invitation (test_journey.py, the group test below);
    # any other lone word is still the name.
    bot.tg.push_update(ada_says("/start Grace"))
    [reply] = await bot.sent(1)
    assert reply.params["text"] == ZONE_PROMPT  # the name step was filled in from the payload


async def test_free_text_outside_a_dialog_gets_help(bot: Bot) -> None:
    bot.tg.push_update(ada_says("what now?"))
    [reply] = await bot.sent(1)
    assert reply.params["text"] == "Hello! Send /start to register, or /help to see what I can do."


async def test_a_stale_button_is_answered_politely(app: Mentorhub, bot: Bot) -> None:
    tg = bot.tg
    tg.push_update(ada_says("/start"))
    [first] = await bot.sent(1)
    tg.push_update(ada_says("Ada"))  # answers the name step by text instead
    await bot.sent(2)
    tg.push_update(ada_presses("d:1:1:=display", first.result["message_id"]))
    stale, prompt_again = (await bot.sent(4))[2:]
    assert stale.params["text"] == (
        "That button is from an earlier question, so nothing was changed."
    )
    assert prompt_again.params["text"] == ZONE_PROMPT
    assert len(tg.calls_to("answerCallbackQuery")) == 1
    assert len(tg.calls_to("editMessageReplyMarkup")) == 1


async def test_in_a_group_only_an_invitation_to_talk_in_private(app: Mentorhub, bot: Bot) -> None:
    tg = bot.tg
    for text in ("hello all", "/start@some_other_bot", f"/profile@{BOT_USERNAME}"):
        tg.push_update(message_update(ADA, text, chat_id=GROUP, message_id=900))
    [invite] = await bot.sent(1)
    assert invite.chat_id == GROUP
    assert invite.params["text"].startswith("Let's talk in private")
    assert invite.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Open a private chat", "url": f"https://t.me/{BOT_USERNAME}"}]
        ]
    }
    assert invite.params["reply_parameters"]["message_id"] == 900
    await bot.until_handled(1)
    assert [describe(i) for i in bot.handled] == ["Command in a group"]  # the others: ignored
    async with app.uow() as uow:
        assert await uow.accounts.find(Platform("telegram"), "", str(ADA)) is None


async def test_a_group_a_program_lives_in_gets_its_invitation_link(
    app: Mentorhub, bot: Bot
) -> None:
    tg = bot.tg
    await _register(app, BOB, "Bob")
    await _register(app, ADA, "Ada")
    in_the_group = UserRef(Platform("telegram"), "", str(BOB), "Bob", "en", space=str(GROUP))
    created = await app.hub.command(in_the_group, "newprogram", "design-26 Design <b>crit</b>")
    assert created.replies[0].title == "Program created"  # its space: this group

    tg.push_update(message_update(ADA, f"/programs@{BOT_USERNAME}", chat_id=GROUP, message_id=7))
    [invite] = await bot.sent(1)
    assert invite.chat_id == GROUP
    assert invite.params["text"].endswith(
        "never in a group.\nTo join <b>Design &lt;b&gt;crit&lt;/b&gt;</b>, tap below."
    )
    link = f"https://t.me/{BOT_USERNAME}?start=join_design-26"
    assert invite.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Join in a private chat", "url": link}]]
    }

    tg.push_update(ada_says("/start join_design-26"))  # what Telegram sends for the link
    card = (await bot.sent(2))[1]
    assert card.chat_id == ADA
    assert card.params["text"].startswith("<b>Design &lt;b&gt;crit&lt;/b&gt;</b>\n")
    assert card.params["reply_markup"] == markup(
        [("Join as mentee", "c:enroll:design-26:mentee")],
        [("Join as mentor", "c:enroll:design-26:mentor")],
    )


# --------------------------------------------------------------------------- sending


async def _register(app: Mentorhub, user_id: int, name: str) -> None:
    ref = UserRef(Platform("telegram"), "", str(user_id), display_name=name, locale="en")
    outcome = await app.hub.command(ref, "start", f'"{name}" Europe/Berlin en')
    assert outcome.replies[0].title == "Welcome!"


async def test_send_renders_html_and_buttons(app: Mentorhub, bot: Bot) -> None:
    await _register(app, BOB, "Bob")
    reply = Reply(
        'Ada <a href="x">wrote</a>: @everyone', title="News", choices=(Choice("OK", "c:help"),)
    )
    await bot.messenger.send(await account_of(app, BOB), reply)
    [sent] = await bot.sent(1)
    assert sent.chat_id == BOB
    assert sent.params["text"] == (
        f'<b>News</b>\nAda &lt;a href="x"&gt;wrote&lt;/a&gt;: @{WJ}everyone'
    )
    assert sent.params["reply_markup"] == markup([("OK", "c:help")])
    assert sent.params["link_preview_options"] == {"is_disabled": True}


async def test_a_long_reply_goes_out_in_several_messages(app: Mentorhub, bot: Bot) -> None:
    await _register(app, BOB, "Bob")
    await bot.messenger.send(await account_of(app, BOB), Reply("word " * 2000))
    sent = await bot.sent(3)
    assert all(call.ok for call in sent)
    assert "".join(call.params["text"] for call in sent).split() == ["word"] * 2000


async def test_a_429_limits_only_its_chat(app: Mentorhub, tg: FakeTelegram) -> None:
    slept: list[float] = []

    virtual = [0.0]  # the pacer's clock: moves only when it sleeps

    async def record_sleep(seconds: float) -> None:
        slept.append(seconds)
        virtual[0] += seconds

    pacer = Pacer(monotonic=lambda: virtual[0], sleep=record_sleep)
    async with running_bot(app, tg, pacer=pacer) as bot:
        await _register(app, ADA, "Ada")
        await _register(app, BOB, "Bob")
        ada, bob = await account_of(app, ADA), await account_of(app, BOB)
        tg.fail_next("sendMessage", error_code=429, retry_after=7, chat_id=ADA)
        with pytest.raises(RateLimited) as limited:
            await bot.messenger.send(ada, Reply("to Ada"))
        assert (limited.value.retry_after, limited.value.scope) == (7.0, f"telegram:{ADA}")
        await bot.messenger.send(bob, Reply("to Bob"))
        assert slept == []  # Bob's chat was not held up
        await bot.messenger.send(ada, Reply("to Ada, later"))
        assert len(slept) == 1 and 6.0 < slept[0] <= 7.0  # Ada's chat waited out the 429
    assert [m["text"] for m in tg.sent_messages()] == ["to Bob", "to Ada, later"]


async def test_a_429_through_the_outbox_is_retried_later(
    app: Mentorhub, tg: FakeTelegram, bot: Bot
) -> None:
    await _register(app, ADA, "Ada")
    account = await account_of(app, ADA)
    async with app.uow() as uow:
        await uow.outbox.add(
            OutboxMessage(
                person_id=account.person_id,
                key="hello-1",
                kind="notice",
                payload=reply_to_data(Reply("Your mentor says hi")),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()
    tg.fail_next("sendMessage", error_code=429, retry_after=5, chat_id=ADA)
    report = await app.deliver()
    assert (report.sent, report.rate_limited) == (0, 1)
    async with app.uow() as uow:
        assert await pending_outbox(uow, now=app.clock.now()) == []  # not due yet
        [due] = await pending_outbox(uow, now=app.clock.now() + timedelta(seconds=6))
    assert due.last_error == f"rate limited for 5.0s (telegram:{ADA})"


async def test_a_blocked_user_is_unreachable(app: Mentorhub, bot: Bot) -> None:
    await _register(app, BOB, "Bob")
    bot.tg.block(BOB)
    with pytest.raises(Unreachable, match="blocked by the user"):
        await bot.messenger.send(await account_of(app, BOB), Reply("hello?"))
    bot.tg.block(BOB, "Forbidden: bot can't initiate conversation with a user")
    with pytest.raises(Unreachable, match="can't initiate"):
        await bot.messenger.send(await account_of(app, BOB), Reply("hello?"))


async def test_blocking_and_unblocking_the_bot_marks_the_account(app: Mentorhub, bot: Bot) -> None:
    await _register(app, BOB, "Bob")
    bot.tg.push_update(my_chat_member_update(BOB, "kicked", first_name="Bob"))
    await bot.until_handled(1)
    assert (await account_of(app, BOB)).reachable is False

    bot.tg.push_update(my_chat_member_update(BOB, "member", first_name="Bob"))
    await bot.until_handled(2)
    assert (await account_of(app, BOB)).reachable is True
    bot.tg.push_update(my_chat_member_update(ADA, "kicked"))  # never registered: no-op
    await bot.until_handled(3)


async def test_delivery_to_a_blocked_user_marks_the_account(
    app: Mentorhub, tg: FakeTelegram, bot: Bot
) -> None:
    await _register(app, BOB, "Bob")
    account = await account_of(app, BOB)
    async with app.uow() as uow:
        await uow.outbox.add(
            OutboxMessage(
                person_id=account.person_id,
                key="k",
                kind="notice",
                payload=reply_to_data(Reply("hi")),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()
    tg.block(BOB)
    report = await app.deliver()
    assert report.unreachable == 1
    assert (await account_of(app, BOB)).reachable is False


async def test_a_sticker_gets_a_hint(bot: Bot) -> None:
    update = ada_says("x")
    message = update["message"]
    assert isinstance(message, dict)
    del message["text"]
    message["sticker"] = {
        "file_id": "f",
        "file_unique_id": "u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    bot.tg.push_update(update)
    [hint] = await bot.sent(1)
    assert hint.params["text"] == "I can only read text messages. Send /help to see what I can do."


async def test_stop_is_idempotent_and_quick(app: Mentorhub, tg: FakeTelegram) -> None:
    async with running_bot(app, tg) as bot:
        await tg.wait_for(lambda _: tg.waiting_long_polls == 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.messenger.stop()
        assert loop.time() - started < 2.0
    await bot.messenger.stop()


async def test_a_429_on_a_reply_is_waited_out_once(app: Mentorhub, tg: FakeTelegram) -> None:
    slept: list[float] = []

    virtual = [0.0]  # the pacer's clock: moves only when it sleeps

    async def record_sleep(seconds: float) -> None:
        slept.append(seconds)
        virtual[0] += seconds

    pacer = Pacer(monotonic=lambda: virtual[0], sleep=record_sleep)
    async with running_bot(app, tg, pacer=pacer) as bot:
        tg.fail_next("sendMessage", error_code=429, retry_after=3, chat_id=ADA)
        tg.push_update(ada_says("/privacy"))
        [reply] = await bot.sent(1)
        await bot.until_handled(1)
    assert reply.params["text"].startswith("<b>Privacy</b>")
    assert len(slept) == 1 and 2.0 < slept[0] <= 3.0
    assert tg.rejected_429 == 1


async def test_if_telegram_rejects_our_html_the_reply_goes_out_plain(bot: Bot) -> None:
    bot.tg.fail_next(
        "sendMessage",
        error_code=400,
        description="Bad Request: can't parse entities: unsupported start tag",
    )
    bot.tg.push_update(ada_says("/cancel"))
    [reply] = await bot.sent(1)
    assert reply.params["text"] == "There was nothing to cancel."
    assert "parse_mode" not in reply.params


async def test_the_token_never_reaches_the_logs(
    app: Mentorhub, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(app, tg) as bot:
        tg.push_update(ada_says("/help"))
        await bot.sent(1)
        assert repr(bot.messenger) == "TelegramMessenger(mode=polling)"
    assert "getMe" in caplog.text  # httpx did log the requests…
    assert TOKEN not in caplog.text  # …without the token


async def test_user_text_never_becomes_a_tappable_command(
    app: Mentorhub, tg: FakeTelegram, bot: Bot
) -> None:
    """A program named "/pause everything" shown back would be a live /pause for whoever
    taps it; our own command references stay tappable."""
    ada = UserRef(Platform("telegram"), "", str(ADA), "Ada", "en")
    await app.hub.command(ada, "start", '"Ada Lovelace" Europe/Berlin en')
    await app.hub.command(ada, "newprogram", "trap /pause everything, (/end) or /leave@bot")
    tg.push_update(message_update(ADA, "/programs", first_name="Ada"))
    await bot.until_handled(1)
    text = (await bot.sent(1))[-1].params["text"]
    assert f"trap: /{WJ}pause everything, (/{WJ}end) or /{WJ}leave@{WJ}bot" in text
    assert "Send /program &lt;name&gt; for details." in text  # ours: tappable
    untagged = re.sub(r"</?\w+>", "", text)
    assert re.findall(r"(?<![\w/])/\w+", untagged) == ["/program"]
