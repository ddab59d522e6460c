"""The REAL python-telegram-bot against tests/fakes/telegram_api.FakeTelegram."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import (
    BOT_ID,
    BOT_USERNAME,
    FakeTelegram,
    bot_command_entities,
    callback_query_update,
    message_update,
    my_chat_member_update,
)

TOKEN = "123456:TEST-token_abc"
ADA = 1111111
BOB = 2222222

pytestmark = pytest.mark.timeout(10)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url) as b:
        yield b


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Book", callback_data="book:42")]])


class Recorder:
    """Handlers for the Application tests; they record what PTB handed them."""

    def __init__(self) -> None:
        self.start_args: list[list[str]] = []
        self.callback_data: list[str | None] = []
        self.errors: list[BaseException] = []

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.start_args.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("welcome", reply_markup=_keyboard())

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        self.callback_data.append(query.data)
        await query.answer("booked!")
        await query.edit_message_text("You are booked")

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        self.errors.append(context.error)


def _build_app(tg: FakeTelegram, rec: Recorder) -> Application[Any, Any, Any, Any, Any, Any]:
    app = ApplicationBuilder().token(TOKEN).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", rec.start))
    app.add_handler(CallbackQueryHandler(rec.button))
    app.add_error_handler(rec.error)
    return app


# --------------------------------------------------------------------------- (1) Bot basics


async def test_get_me_and_send_message_with_inline_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.first_name) == (
        BOT_ID,
        BOT_USERNAME,
        True,
        "mentorhub",
    )

    first = await bot.send_message(ADA, "pick a slot", reply_markup=_keyboard())
    second = await bot.send_message(ADA, "another")
    assert second.message_id > first.message_id
    assert first.chat.id == ADA
    assert first.text == "pick a slot"
    assert first.from_user is not None
    assert first.from_user.id == BOT_ID
    assert first.reply_markup == _keyboard()  # echoed back and parsed by PTB

    [call, _] = tg.calls_to("sendMessage")
    assert call.params["chat_id"] == str(ADA)  # as it came on the wire (form body)
    assert call.chat_id == ADA
    assert call.token == TOKEN
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Book", "callback_data": "book:42"}]]
    }
    assert [m["text"] for m in tg.sent_messages(ADA)] == ["pick a slot", "another"]
    assert tg.sent_messages(str(BOB)) == []


async def test_misc_methods(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("privacy", "Policy")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "privacy"]
    assert [c["command"] for c in tg.commands()] == ["start", "privacy"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "uppercase is rejected")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()

    assert await bot.send_chat_action(ADA, ChatAction.TYPING)
    tg.push_update(message_update(ADA, "hi", first_name="Ada", username="ada"))
    chat = await bot.get_chat(ADA)
    assert (chat.id, chat.type, chat.first_name, chat.username) == (ADA, "private", "Ada", "ada")

    info = await bot.get_webhook_info()
    assert info.url == ""
    assert info.pending_update_count == 1
    assert await bot.answer_callback_query("123", text="ok")

    sent = await bot.send_message(ADA, "v1")
    edited = await bot.edit_message_text("v2", chat_id=ADA, message_id=sent.message_id)
    assert isinstance(edited, type(sent))
    assert edited.text == "v2"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=ADA, message_id=sent.message_id)
    await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=_keyboard())
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ADA, "")
    assert await bot.close()
    assert await bot.log_out()


async def test_unknown_method_json_body_and_any_token(tg: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{tg.base_url}other:token/fooBar") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with session.get(f"http://127.0.0.1:{tg.port}/nope") as resp:
            assert resp.status == 404
        body = {"chat_id": ADA, "text": "json", "reply_markup": markup}
        async with session.post(f"{tg.base_url}x:y/sendmessage", json=body) as resp:
            assert resp.status == 200
            assert (await resp.json())["result"]["reply_markup"] == markup
        body = {"chat_id": ADA, "text": "str markup", "reply_markup": json.dumps(markup)}
        async with session.post(f"{tg.base_url}x:y/sendMessage", json=body) as resp:
            assert resp.status == 200
    calls = tg.calls_to("sendMessage")
    assert [c.params["reply_markup"] for c in calls] == [markup, markup]
    assert calls[0].params["chat_id"] == ADA  # JSON body: int as it came
    assert tg.calls_to("fooBar")[0].status == 404


# --------------------------------------------------------------------------- (2) polling


async def test_application_polling_command_and_callback(tg: FakeTelegram) -> None:
    rec = Recorder()
    app = _build_app(tg, rec)
    loop = asyncio.get_running_loop()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        tg.push_update(message_update(ADA, "/start payload", first_name="Ada"))
        [reply] = await tg.wait_for_calls("sendMessage", 1)
        assert rec.start_args == [["payload"]]
        assert reply.ok
        assert reply.params["text"] == "welcome"
        assert reply.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "book:42"

        message_id = reply.result["message_id"]
        tg.push_update(callback_query_update(ADA, "book:42", message_id=message_id))
        [edit] = await tg.wait_for_calls("editMessageText", 1)
        assert rec.callback_data == ["book:42"]
        assert edit.params["message_id"] == message_id
        assert edit.params["text"] == "You are booked"
        [answer] = tg.calls_to("answerCallbackQuery")
        assert answer.params["text"] == "booked!"
    finally:
        started = loop.time()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert loop.time() - started < 2.0
    assert rec.errors == []
    assert tg.pending_updates == []  # PTB's final getUpdates confirmed both updates
    assert tg.calls_to("deleteWebhook")  # polling bootstrap


# --------------------------------------------------------------------------- (3) webhook


async def test_application_webhook_secret_token(tg: FakeTelegram) -> None:
    rec = Recorder()
    app = _build_app(tg, rec)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg"
    await app.initialize()
    await app.start()

    # A webhook receiver as ours is (adapters/telegram/adapter.py): aiohttp, not PTB's
    # tornado-based Updater.start_webhook (we don't install the webhooks extra).
    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return web.Response(status=200)

    server = web.Application()
    server.router.add_post("/tg", receive)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await app.bot.set_webhook(url, secret_token="s3cret")
    try:
        assert tg.webhook_url == url
        assert tg.webhook_secret_token == "s3cret"
        wrong = await tg.post_webhook(url, message_update(ADA, "/start wrong"), "nope")
        missing = await tg.post_webhook(url, message_update(ADA, "/start missing"))
        assert (wrong, missing) == (403, 403)
        ok = await tg.post_webhook(url, message_update(ADA, "/start hook"), "s3cret")
        assert ok == 200
        await tg.wait_for_calls("sendMessage", 1)
        assert await tg.deliver_webhook(message_update(ADA, "/start again")) == 200
        await tg.wait_for_calls("sendMessage", 2)
        assert rec.start_args == [["hook"], ["again"]]  # the rejected ones never ran
    finally:
        await runner.cleanup()
        await app.stop()
        await app.shutdown()
    assert rec.errors == []


# --------------------------------------------------------------------------- (4) errors


async def test_scripted_errors_and_blocked_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(ADA, "too fast")
    assert info.value.retry_after == dt.timedelta(seconds=7)
    assert tg.calls_to("sendMessage")[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert tg.rejected_429 == 1

    tg.block(BOB)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(BOB, "hello?")
    await bot.send_message(ADA, "still fine")

    tg.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(ADA, "x")
    tg.fail_next("sendMessage", error_code=500, chat_id=BOB, times=2)
    await bot.send_message(ADA, "other chat unaffected")
    tg.unblock(BOB)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(BOB, "x")
    await bot.send_message(BOB, "recovered")
    assert [m["text"] for m in tg.sent_messages()] == [
        "still fine",
        "other chat unaffected",
        "recovered",
    ]
    assert len(tg.sent_messages(include_failed=True)) == 8


# --------------------------------------------------------------------------- (5) rate windows


async def test_per_chat_rate_window() -> None:
    async with FakeTelegram(per_chat_rate=1) as tg, Bot(TOKEN, base_url=tg.base_url) as bot:
        await bot.send_message(ADA, "one")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(ADA, "two")
        assert info.value.retry_after == dt.timedelta(seconds=1)
        await bot.send_message(BOB, "other chat")
        assert tg.rejected_429 == 1
        assert [m["text"] for m in tg.sent_messages()] == ["one", "other chat"]


async def test_global_rate_window_and_rtt() -> None:
    async with (
        FakeTelegram(global_rate=2, rtt=0.05) as tg,
        Bot(TOKEN, base_url=tg.base_url) as bot,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.send_message(1, "a")
        assert loop.time() - started >= 0.05
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter):
            await bot.send_message(3, "c")
        with pytest.raises(RetryAfter):
            await bot.edit_message_text("b2", chat_id=2, message_id=2)
        assert tg.rejected_429 == 2


# --------------------------------------------------------------------------- (6) getUpdates


async def test_get_updates_conflicts_while_webhook_set(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert (await bot.get_webhook_info()).url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_get_updates_offset_semantics(tg: FakeTelegram, bot: Bot) -> None:
    first = tg.push_update(message_update(ADA, "one"))
    tg.push_update(message_update(ADA, "two"))
    tg.push_update({"update_id": first["update_id"] + 10, **message_update(BOB, "three")})
    fourth = tg.push_update(message_update(BOB, "four"))
    assert fourth["update_id"] == first["update_id"] + 11  # monotonic after an explicit id

    got = await bot.get_updates(limit=2)
    assert [u.message.text for u in got if u.message] == ["one", "two"]
    again = await bot.get_updates()  # not confirmed yet: delivered again
    assert len(again) == 4
    rest = await bot.get_updates(offset=got[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["three", "four"]
    await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)
    assert tg.pending_updates == []


async def test_long_poll_wakes_on_push_and_releases_on_stop() -> None:
    async with FakeTelegram() as tg, Bot(TOKEN, base_url=tg.base_url) as bot:
        loop = asyncio.get_running_loop()
        poll = asyncio.create_task(bot.get_updates(timeout=4))
        await tg.wait_for(lambda _: tg.waiting_long_polls == 1)
        tg.push_update(message_update(ADA, "/start"))
        [update] = await asyncio.wait_for(poll, 1.0)
        assert update.message is not None
        assert update.message.text == "/start"

        # an older parked poll is terminated by a newer one, like Telegram does
        old = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=4))
        await tg.wait_for(lambda _: tg.waiting_long_polls == 1)
        async with Bot(TOKEN, base_url=tg.base_url) as second:
            newer = asyncio.create_task(second.get_updates(offset=update.update_id + 1, timeout=4))
            with pytest.raises(Conflict, match="terminated by other getUpdates"):
                await asyncio.wait_for(old, 1.0)
            await tg.wait_for(lambda _: tg.waiting_long_polls == 1)
            started = loop.time()
            await tg.stop()  # releases the parked poll at once
            assert await asyncio.wait_for(newer, 1.0) == ()
            assert loop.time() - started < 1.0


async def test_wait_for_times_out_with_recorded_calls(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(ADA, "only this")
    with pytest.raises(TimeoutError, match="only this"):
        await tg.wait_for_calls("sendMessage", 2, timeout=0.05)


# --------------------------------------------------------------------------- builders


def test_builders_match_ptb_wire_format() -> None:
    bot = Bot(TOKEN)
    msg = Update.de_json({"update_id": 1, **message_update(ADA, "/start@x payload")}, bot)
    assert msg.message is not None
    assert msg.message.entities[0].type == "bot_command"
    assert msg.message.entities[0].length == len("/start@x")
    assert msg.message.chat.type == "private"
    assert bot_command_entities("hello") == []
    assert bot_command_entities("/🙂 x")[0]["length"] == 3  # UTF-16 code units

    group = message_update(ADA, "hi", chat_id=-1001234)
    assert group["message"]["chat"]["type"] == "supergroup"

    cbq = Update.de_json(
        {"update_id": 2, **callback_query_update(ADA, "book:42", message_id=5)}, bot
    )
    assert cbq.callback_query is not None
    assert cbq.callback_query.data == "book:42"
    assert cbq.callback_query.message is not None
    assert cbq.callback_query.message.message_id == 5

    blocked = Update.de_json({"update_id": 3, **my_chat_member_update(ADA, "kicked")}, bot)
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert blocked.my_chat_member.old_chat_member.status == "member"
    back = Update.de_json({"update_id": 4, **my_chat_member_update(ADA, "member")}, bot)
    assert back.my_chat_member is not None
    assert back.my_chat_member.new_chat_member.status == "member"


async def test_multipart_body_is_recorded(tg: FakeTelegram) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ADA))
    form.add_field("disable_notification", "true")
    form.add_field("document", b"hello", filename="notes.txt", content_type="text/plain")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}{TOKEN}/sendDocument", data=form) as resp,
    ):
        assert resp.status == 200
        sent = (await resp.json())["result"]
    [call] = tg.calls_to("sendDocument")
    assert call.params == {
        "chat_id": str(ADA),
        "disable_notification": True,
        "document": {
            "filename": "notes.txt",
            "content_type": "text/plain",
            "size": 5,
            "content": b"hello",
        },
    }
    assert sent["document"]["file_name"] == "notes.txt"
    assert sent["document"]["file_size"] == 5
    assert tg.sent_documents(ADA) == [("notes.txt", b"hello")]
