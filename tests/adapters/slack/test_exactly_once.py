"""A worker that dies mid-send: the outbox key in Slack's message metadata settles it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import PlatformAccount
from core.messages import Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.slack.conftest import register, running
from tests.fakes.slack_api import FakeSlack

KEY = "pair:1:brief:0"
BRIEF = Reply("Ada checked in. Their brief:", title="Check-in 1, pair #1")


async def dying_worker_marks_sending(app: Mentorhub, account: PlatformAccount) -> None:
    """A worker queues, claims and marks the row "sending"; then its process dies."""
    now, lease = app.clock.now(), app.delivery.lease
    async with app.uow() as uow:
        message = OutboxMessage(
            person_id=account.person_id,
            key=KEY,
            kind="notice",
            payload=reply_to_data(BRIEF),
            created_at=now,
            next_attempt_at=now,
        )
        assert await uow.outbox.add(message)
        [claimed] = await uow.outbox.claim(now=now, limit=1, worker="dead", lease=lease)
        assert claimed.id is not None and account.id is not None
        marked = await uow.outbox.mark_sending(
            claimed.id, worker="dead", account_id=account.id, now=now, lease=lease
        )
        assert marked == 1
        await uow.commit()


async def status(app: Mentorhub, account: PlatformAccount) -> str:
    async with app.uow() as uow:
        row = await uow.outbox.by_key(account.person_id, KEY)
    assert row is not None
    return row.status


@pytest.mark.parametrize("arrived", [True, False])
async def test_a_send_a_dead_worker_left_is_settled_and_delivered_once(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock, arrived: bool
) -> None:
    slack.clock = lambda: clock.now().timestamp()  # Slack stamps messages with its time
    ada = await register(app, "U1", "Ada")
    async with running(app, slack) as messenger:
        # an earlier message with another key in the same DM is not mistaken for it
        await messenger.send_keyed(ada, Reply("welcome"), key="welcome")
        await dying_worker_marks_sending(app, ada)
        if arrived:  # Slack accepted the message; the worker died before recording it
            await messenger.send_keyed(ada, BRIEF, key=KEY)
        clock.advance(app.delivery.lease + timedelta(seconds=5))  # its lease runs out
        report = await app.deliver()
        assert (report.confirmed, report.uncertain) == (1, 0)
        assert await status(app, ada) == "sent"
        briefs = [m for m in slack.posted_messages("D_U1") if "Ada checked in" in m["text"]]
        assert len(briefs) == 1
        assert briefs[0]["metadata"] == {
            "event_type": "mentorhub_outbox_message",
            "event_payload": {"key": KEY},
        }
        [history] = slack.calls_to("conversations.history")
        assert history.params["include_all_metadata"] in (True, "true", "1")
        assert (await app.deliver()).sent == 0


async def test_when_slack_cant_be_asked_it_is_assumed_sent(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    ada = await register(app, "U1", "Ada")
    async with running(app, slack):
        await dying_worker_marks_sending(app, ada)
        slack.fail_next("conversations.history", error="missing_scope")  # no im:history
        clock.advance(app.delivery.lease + timedelta(seconds=5))
        report = await app.deliver()
        assert (report.confirmed, report.uncertain) == (0, 1)
        assert await status(app, ada) == "uncertain"
        assert slack.posted_messages("D_U1") == []
