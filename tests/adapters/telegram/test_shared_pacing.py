"""One pacer for everything sent: a reply to someone's command and an outbox delivery to
the same chat draw on one per-chat budget (Telegram: about one message a second).

The real TelegramMessenger against the fake Bot API; the process's pacer runs on a
virtual clock that moves only when the pacer sleeps, so the waits it measures are the
pacer's own, exactly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.telegram.pacing_rules import pacing
from bots.bootstrap import Mentorhub
from core.pacing import Pacer
from tests.adapters.telegram.conftest import Bot, account_of, running_bot
from tests.adapters.telegram.test_adapter import ADA, BOB, _register, ada_says
from tests.core.scheduling_helpers import VirtualTime, queue_notice
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def shared(app: Mentorhub, tg: FakeTelegram, time: VirtualTime) -> AsyncIterator[Bot]:
    """The app's delivery worker and the messenger with one pacer and Telegram's rules."""
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    app.delivery.pacer = pacer
    async with running_bot(app, tg, pacer=pacer, pacing=pacing()) as bot:
        yield bot


async def test_a_reply_and_an_outbox_delivery_to_one_chat_share_its_budget(
    app: Mentorhub, shared: Bot, time: VirtualTime
) -> None:
    await _register(app, ADA, "Ada")
    await _register(app, BOB, "Bob")
    shared.tg.push_update(ada_says("/privacy"))  # a reply to Ada: her chat's token now
    await shared.sent(1)
    await shared.until_handled(1)
    replied_at = time.now

    await queue_notice(
        app, (await account_of(app, BOB)).person_id, "to-bob"
    )  # another chat: only the bot-wide spacing
    assert (await app.deliver()).sent == 1
    assert time.now - replied_at < 0.1

    await queue_notice(
        app, (await account_of(app, ADA)).person_id, "to-ada"
    )  # Ada's chat: waits for her next token
    assert (await app.deliver()).sent == 1
    assert time.now - replied_at == pytest.approx(1.0, abs=0.01)

    delivered_at = time.now
    shared.tg.push_update(ada_says("/privacy"))  # and a reply waits behind the delivery
    await shared.sent(4)
    await shared.until_handled(2)
    assert time.now - delivered_at == pytest.approx(1.0, abs=0.01)
    texts = [m["text"] for m in shared.tg.sent_messages()]
    assert texts[1:3] == ["notice to-bob", "notice to-ada"]


async def test_a_429_on_a_reply_pauses_the_chat_for_the_outbox_too(
    app: Mentorhub, shared: Bot, time: VirtualTime
) -> None:
    await _register(app, ADA, "Ada")
    await _register(app, BOB, "Bob")
    shared.tg.fail_next("sendMessage", error_code=429, retry_after=60, chat_id=ADA)
    shared.tg.push_update(ada_says("/privacy"))  # 60 s is longer than a person waits
    await shared.until_handled(1)
    assert app.pacer.paused_for(f"telegram:{ADA}") == pytest.approx(60, abs=0.01)
    assert app.pacer.paused_for("telegram") == 0  # only Ada's chat, not the bot

    await queue_notice(app, (await account_of(app, ADA)).person_id, "to-ada")
    await queue_notice(app, (await account_of(app, BOB)).person_id, "to-bob")
    report = await app.deliver()
    assert (report.sent, report.deferred) == (1, 1)  # Bob's went; Ada's waits in the table
    assert [m["text"] for m in shared.tg.sent_messages()] == ["notice to-bob"]
