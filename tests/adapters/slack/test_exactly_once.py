"""A worker that dies mid-send: the outbox key in Slack's message metadata settles it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.messages import Reply
from tests.adapters.dead_worker import left_sending, outbox_status
from tests.adapters.slack.conftest import register, running
from tests.fakes.slack_api import FakeSlack

KEY = "pair:1:brief:0"
BRIEF = Reply("Ada checked in. Their brief:", title="Check-in 1, pair #1")


@pytest.mark.parametrize("arrived", [True, False])
async def test_a_send_a_dead_worker_left_is_settled_and_delivered_once(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock, arrived: bool
) -> None:
    slack.clock = lambda: clock.now().timestamp()  # Slack stamps messages with its time
    ada = await register(app, "U1", "Ada")
    async with running(app, slack) as messenger:
        # an earlier message with another key in the same DM is not mistaken for it
        await messenger.send_keyed(ada, Reply("welcome"), key="welcome")
        await left_sending(app, ada, KEY, BRIEF)
        if arrived:  # Slack accepted the message; the worker died before recording it
            await messenger.send_keyed(ada, BRIEF, key=KEY)
        clock.advance(app.delivery.lease + timedelta(seconds=5))  # its lease runs out
        report = await app.deliver()
        assert (report.confirmed, report.uncertain) == (1, 0)
        assert await outbox_status(app, ada, KEY) == "sent"
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
        await left_sending(app, ada, KEY, BRIEF)
        slack.fail_next("conversations.history", error="missing_scope")  # no im:history
        clock.advance(app.delivery.lease + timedelta(seconds=5))
        report = await app.deliver()
        assert (report.confirmed, report.uncertain) == (0, 1)
        assert await outbox_status(app, ada, KEY) == "uncertain"
        assert slack.posted_messages("D_U1") == []
