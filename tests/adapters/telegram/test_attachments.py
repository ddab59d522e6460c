"""Files: a reply's attachment goes out as a document (``sendDocument``, multipart)."""

from __future__ import annotations

import pytest

import adapters.telegram.adapter as telegram_adapter
from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from core.messages import Attachment, Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.telegram.conftest import Bot, account_of
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(10)

BOB = 2222222
CSV = "mentor,mentee\nada,bob\n"


async def _register(app: Mentorhub, user_id: int, name: str) -> None:
    ref = UserRef(Platform("telegram"), "", str(user_id), display_name=name, locale="en")
    outcome = await app.hub.command(ref, "start", f'"{name}" Europe/Berlin en')
    assert outcome.replies[0].title == "Welcome!"


async def test_a_notice_with_a_file_sends_the_text_then_the_document(
    app: Mentorhub, tg: FakeTelegram, bot: Bot
) -> None:
    await _register(app, BOB, "Bob")
    account = await account_of(app, BOB)
    reply = Reply("Your export", attachment=Attachment("pairs.csv", CSV))
    async with app.uow() as uow:  # through the outbox: the file travels in its payload
        await uow.outbox.add(
            OutboxMessage(
                person_id=account.person_id,
                key="export-1",
                kind="notice",
                payload=reply_to_data(reply),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()
    report = await app.deliver()
    assert report.sent == 1
    assert [m["text"] for m in tg.sent_messages(BOB)] == ["Your export"]
    assert tg.sent_documents(BOB) == [("pairs.csv", CSV.encode())]


async def test_a_file_over_telegrams_limit_is_left_off_and_the_text_says_so(
    app: Mentorhub, tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_adapter, "DOCUMENT_LIMIT", 8)
    await _register(app, BOB, "Bob")
    reply = Reply("Your export", attachment=Attachment("pairs.csv", CSV))
    await bot.messenger.send(await account_of(app, BOB), reply)
    [text] = [m["text"].replace("\u2060", "") for m in tg.sent_messages(BOB)]
    assert text == (
        "Your export\n\nThe file pairs.csv is 22 bytes, more than the 8 bytes Telegram lets "
        "a bot send, so it is not attached. Narrow what you asked for (one program, say) and "
        "try again."
    )
    assert tg.sent_documents() == []
