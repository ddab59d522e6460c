"""Files: a reply's attachment is shared by Slack's external upload flow
(``files.getUploadURLExternal`` → the bytes to the returned URL →
``files.completeUploadExternal`` with ``channel_id``), after the message, in the DM."""

from __future__ import annotations

import json

import pytest

import adapters.slack.render as slack_render
from adapters.slack.adapter import DM_POINTER
from bots.bootstrap import Mentorhub
from core.i18n import translate
from core.messages import Attachment, Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.slack.conftest import PAIRING, Wire, register, running, say, settle
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.timeout(15)

CSV = "mentor,mentee\nada,bob\n"


async def test_a_notice_with_a_file_posts_the_text_then_shares_the_file(
    app: Mentorhub, slack: FakeSlack
) -> None:
    ada = await register(app, "U1", "Ada")
    reply = Reply("Your export", attachment=Attachment("pairs.csv", CSV))
    async with app.uow() as uow:  # through the outbox: the file travels in its payload
        await uow.outbox.add(
            OutboxMessage(
                person_id=ada.person_id,
                key="export-1",
                kind="notice",
                payload=reply_to_data(reply),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()
    async with running(app, slack):
        report = await app.deliver()
    assert report.sent == 1
    [posted] = slack.posted_messages("D_U1")
    assert posted["text"] == "Your export"
    [asked] = slack.calls_to("files.getUploadURLExternal", ok_only=True)
    assert asked.params["filename"] == "pairs.csv"
    assert int(asked.params["length"]) == len(CSV.encode())
    [completed] = slack.calls_to("files.completeUploadExternal", ok_only=True)
    assert completed.params["channel_id"] == "D_U1"
    assert json.loads(completed.params["files"]) == [
        {"id": asked.response["file_id"], "title": "pairs.csv"}  # type: ignore[index]
    ]
    assert slack.files_in("D_U1") == [("pairs.csv", CSV.encode())]


async def test_export_in_a_channel_sends_the_file_to_the_dm(
    app: Mentorhub, slack: FakeSlack
) -> None:
    await say(app, PAIRING[:1])  # U3 coordinates "prog"
    async with running(app, slack) as messenger:
        await Wire(messenger, slack).command("export prog", user="U3", channel="C1")
        posted = await settle(messenger, slack, posts=1)
    assert posted["channel"] == "U3" or posted["channel"].startswith("D")
    [(name, data)] = slack.files_in("D_U3")
    assert name.startswith("prog-pairs-") and name.endswith(".csv")
    assert data.decode().startswith("pair,program,mentor,mentee")
    assert [p["text"] for p in slack.response_url_posts("cmd")] == [translate(DM_POINTER, None)]


async def test_a_file_over_slacks_limit_is_left_off_and_the_text_says_so(
    app: Mentorhub, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_render, "FILE_LIMIT", 8)
    ada = await register(app, "U1", "Ada")
    async with running(app, slack) as messenger:
        await messenger.send(ada, Reply("Your export", attachment=Attachment("pairs.csv", CSV)))
    [posted] = slack.posted_messages("D_U1")
    assert posted["text"] == (
        "Your export\n\nThe file pairs.csv is 22 bytes, more than the 8 bytes Slack lets a bot "
        "send, so it is not attached. Narrow what you asked for (one program, say) and try again."
    )
    assert slack.calls_to("files.getUploadURLExternal") == []
