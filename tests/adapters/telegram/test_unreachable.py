"""When Telegram refuses a message: one clear log line, and nothing that was due is lost."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Platform, UserRef
from core.messages import Reply, reply_to_data
from core.model import Pair, PairStatus, Program
from core.ports import OutboxMessage
from tests.adapters.telegram.conftest import Bot, account_of
from tests.fakes.telegram_api import message_update, my_chat_member_update

pytestmark = pytest.mark.timeout(10)

ADA = 1111111
BOB = 2222222
GROUP = -1009876543


def sticker_from(user_id: int) -> dict[str, object]:
    update = message_update(user_id, "x")
    message = update["message"]
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
    return update


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_invitation_the_group_refuses_is_one_log_line(
    app: Mentorhub, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.tg.fail_next(
        "sendMessage", error_code=400, description="Bad Request: chat not found", chat_id=GROUP
    )
    bot.tg.push_update(message_update(ADA, "/programs", chat_id=GROUP, message_id=5))
    await bot.until_handled(1)
    [line] = refusals(caplog)
    assert line.exc_info is None
    assert line.getMessage() == (
        f"telegram: the invitation to a private chat was not sent to chat {GROUP}: Chat not found"
    )

    bot.tg.push_update(message_update(ADA, "/programs", chat_id=GROUP, message_id=6))
    [invite] = await bot.sent(1)  # the next one goes out as usual
    assert invite.chat_id == GROUP


async def test_a_hint_to_someone_who_blocked_the_bot_is_one_log_line(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.tg.block(ADA)
    bot.tg.push_update(sticker_from(ADA))
    await bot.until_handled(1)
    [line] = refusals(caplog)
    assert line.exc_info is None
    assert line.getMessage() == (
        f"telegram: the hint that only text is read was not sent to chat {ADA}: "
        "Forbidden: bot was blocked by the user"
    )


async def _register(app: Mentorhub, user_id: int, name: str) -> None:
    ref = UserRef(Platform("telegram"), "", str(user_id), display_name=name, locale="en")
    outcome = await app.hub.command(ref, "start", f'"{name}" Europe/Berlin en')
    assert outcome.replies[0].title == "Welcome!"


async def _queue(app: Mentorhub, person_id: int, key: str, text: str) -> None:
    now = app.clock.now()
    async with app.uow() as uow:
        message = OutboxMessage(
            person_id=person_id,
            key=key,
            kind="notice",
            payload=reply_to_data(Reply(text)),
            created_at=now,
            next_attempt_at=now,
        )
        assert await uow.outbox.add(message)
        await uow.commit()


async def _pairs(app: Mentorhub, mentor: int, mentee: int) -> tuple[int, int]:
    """An active pair of the two, and an ended one."""
    now = app.clock.now()
    async with app.uow() as uow:
        program = await uow.programs.add(Program("design-26", "Design", now))
        assert program.id is not None
        ids = []
        for status in (PairStatus.ACTIVE, PairStatus.ENDED):
            pair = await uow.pairs.add(Pair(program.id, mentor, mentee, status, now))
            assert pair.id is not None
            ids.append(pair.id)
        await uow.commit()
    return ids[0], ids[1]


async def test_what_bob_missed_while_blocked_is_sent_when_he_unblocks_if_still_current(
    app: Mentorhub, bot: Bot, clock: ManualClock
) -> None:
    """Blocked, Bob misses briefs. When he unblocks the bot (Telegram sends my_chat_member
    "member"), what is still current reaches him, once: not what is over a week old, not
    what is about a pair that has ended, and of a brief and its update only the update."""
    await _register(app, ADA, "Ada")
    await _register(app, BOB, "Bob")
    bob = (await account_of(app, BOB)).person_id
    ada = (await account_of(app, ADA)).person_id
    active, ended = await _pairs(app, bob, ada)
    bot.tg.block(BOB)
    await _queue(app, bob, f"pair:{active}:brief:0", "Their brief: two weeks ago")
    assert (await app.deliver()).unreachable == 1
    clock.advance(timedelta(days=8))
    await _queue(app, bob, f"pair:{active}:brief:1", "Their brief: this week")
    await _queue(app, bob, f"pair:{active}:brief:1:r1", "Their brief (updated): this week")
    await _queue(app, bob, f"pair:{ended}:brief:3", "Their brief: an ended pair")
    await _queue(app, bob, "program:1:announcement", "Kick-off on Friday")
    assert (await app.deliver()).unreachable == 4
    assert bot.tg.sent_messages(BOB) == []

    bot.tg.unblock(BOB)
    bot.tg.push_update(my_chat_member_update(BOB, "member", first_name="Bob"))
    await bot.until_handled(1)
    assert (await account_of(app, BOB)).reachable is True
    assert (await app.deliver()).sent == 2
    texts = sorted(m["text"] for m in bot.tg.sent_messages(BOB))
    assert len(texts) == 2
    assert "Kick-off on Friday" in texts[0] and "(updated): this week" in texts[1]
    assert (await app.deliver()).sent == 0  # once
    bot.tg.push_update(my_chat_member_update(BOB, "member", first_name="Bob"))  # again
    await bot.until_handled(2)
    assert (await app.deliver()).sent == 0


async def test_a_message_from_someone_marked_unreachable_brings_back_what_they_missed(
    app: Mentorhub, bot: Bot
) -> None:
    """Whatever the reason Telegram refused (blocked, never started), a message from them
    in their private chat proves we can reach them again."""
    await _register(app, BOB, "Bob")
    bob = (await account_of(app, BOB)).person_id
    bot.tg.block(BOB, "Forbidden: bot can't initiate conversation with a user")
    await _queue(app, bob, "program:1:announcement", "Kick-off on Friday")
    assert (await app.deliver()).unreachable == 1

    bot.tg.unblock(BOB)
    bot.tg.push_update(message_update(BOB, "/start", first_name="Bob"))
    await bot.until_handled(1)
    assert (await account_of(app, BOB)).reachable is True
    assert (await app.deliver()).sent == 1
    assert any("Kick-off on Friday" in m["text"] for m in bot.tg.sent_messages(BOB))
