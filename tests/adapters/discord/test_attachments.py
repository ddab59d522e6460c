"""Files: a reply's attachment is uploaded with the message, multipart ``files[0]`` with its
``attachments`` metadata (as discord.py sends it), within Discord's size limit."""

from __future__ import annotations

import pytest

import adapters.discord.render as discord_render
import tests.fakes.discord_api as fake_discord
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Attachment, Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.discord.harness import ANN, BOB, Harness
from tests.fakes.discord_api import option

pytestmark = pytest.mark.timeout(20)

CSV = "mentor,mentee\nann,bob\n"


async def register(h: Harness, user: int, name: str) -> int:
    ref = UserRef(Platform("discord"), "", str(user), display_name=name)
    await h.app.hub.command(ref, "start", f"name='{name}' timezone=Europe/Berlin languages=en")
    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(user))
    assert account is not None
    return account.person_id


async def test_a_notice_with_a_file_uploads_it_with_the_message(h: Harness) -> None:
    person_id = await register(h, BOB, "Bob")
    reply = Reply("Your export", attachment=Attachment("pairs.csv", CSV))
    async with h.app.uow() as uow:  # through the outbox: the file travels in its payload
        await uow.outbox.add(
            OutboxMessage(
                person_id=person_id,
                key="export-1",
                kind="notice",
                payload=reply_to_data(reply),
                created_at=h.app.clock.now(),
                next_attempt_at=h.app.clock.now(),
            )
        )
        await uow.commit()
    report = await h.app.deliver()
    assert report.sent == 1
    [call] = [c for c in h.dc.calls_to("POST", r"/channels/\d+/messages$") if c.status == 200]
    assert [(u.part, u.filename, u.data) for u in call.uploads] == [
        ("files[0]", "pairs.csv", CSV.encode())
    ]
    assert call.json["attachments"] == [{"id": 0, "filename": "pairs.csv"}]
    [message] = h.dc.messages_sent()
    assert message["content"] == "Your export"
    assert [a["filename"] for a in message["attachments"]] == ["pairs.csv"]


async def test_a_file_over_discords_limit_is_left_off_and_the_text_says_so(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_render, "FILE_LIMIT", 8)
    await register(h, ANN, "Ann")
    account = PlatformAccount(Platform("discord"), "", str(ANN), 1)
    await h.messenger.send(account, Reply("Your export", attachment=Attachment("pairs.csv", CSV)))
    [message] = h.dc.messages_sent()
    assert message["attachments"] == []
    assert "The file pairs" in message["content"]
    assert "is 22 bytes, more than the 8 bytes Discord lets a bot send" in message["content"]
    assert h.dc.files_sent() == []


async def test_export_answers_the_slash_command_with_the_file(h: Harness) -> None:
    await register(h, ANN, "Ann")
    ref = UserRef(Platform("discord"), "", str(ANN), display_name="Ann")
    created = await h.app.hub.command(ref, "newprogram", "prog Test program")
    assert not any(r.is_error for r in created.replies), created.replies
    token = await h.slash("export", option("program", "prog"))
    (reply,) = await h.replies(token)
    assert "pairs exported" in reply["content"]
    [attached] = reply["attachments"]
    assert attached["filename"].startswith("prog-pairs-")
    [(name, data)] = h.dc.files_sent(r"/interactions/|/webhooks/")
    assert name == attached["filename"]
    assert data.decode().startswith("pair,program,mentor,mentee")


async def test_an_interaction_answers_within_the_limit_it_names(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_discord, "ATTACHMENT_SIZE_LIMIT", 8)  # attachment_size_limit
    await register(h, ANN, "Ann")
    ref = UserRef(Platform("discord"), "", str(ANN), display_name="Ann")
    await h.app.hub.command(ref, "newprogram", "prog Test program")
    token = await h.slash("export", option("program", "prog"))
    (reply,) = await h.replies(token)
    assert reply["attachments"] == []
    assert "bytes, more than the 8 bytes Discord lets a bot send" in reply["content"]
