"""One pacer for everything sent: a reply in someone's DM and an outbox delivery to them
draw on one per-conversation budget (Slack: about one message a second per channel),
named by the person's user id on both paths; a 429 on a reply pauses that conversation
for the outbox too, and nobody else's.

The real SlackMessenger against FakeSlack; the process's pacer runs on a virtual clock
that moves only when the pacer sleeps, so the waits it measures are the pacer's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.adapter import SlackMessenger
from adapters.slack.pacing_rules import pacing
from bots.bootstrap import Mentorhub
from core.pacing import Pacer
from tests.adapters.slack.conftest import TEAM, Wire, account, register, running
from tests.core.scheduling_helpers import VirtualTime, queue_notice
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def shared(
    app: Mentorhub, slack: FakeSlack, time: VirtualTime
) -> AsyncIterator[SlackMessenger]:
    """The app's delivery worker and the messenger with one pacer and Slack's rules."""
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    app.delivery.pacer = pacer
    async with running(app, slack, pacer=pacer, pacing=pacing()) as messenger:
        yield messenger


def texts(slack: FakeSlack) -> list[str]:
    return [post["text"] for post in slack.posted_messages()]


async def test_a_reply_and_an_outbox_delivery_to_one_person_share_their_dm_budget(
    app: Mentorhub, slack: FakeSlack, shared: SlackMessenger, time: VirtualTime
) -> None:
    await register(app, "U1", "Ann")
    await register(app, "U2", "Bob")
    await Wire(shared, slack).dm("privacy", user="U1")  # a reply in Ann's DM: her token now
    await slack.wait_for(lambda: slack.posted_messages(), description="the reply")
    assert await shared.idle()
    replied_at = time.now

    await queue_notice(
        app, (await account(app, "U2")).person_id, "to-bob"
    )  # another conversation: only the workspace pace
    assert (await app.deliver()).sent == 1
    assert time.now - replied_at < 0.2  # 500 a minute: 0.12 s apart

    await queue_notice(
        app, (await account(app, "U1")).person_id, "to-ann"
    )  # Ann's DM: waits for her next token
    assert (await app.deliver()).sent == 1
    assert time.now - replied_at == pytest.approx(1.0, abs=0.01)
    assert [post["channel"] for post in slack.posted_messages()] == ["D_U1", "D_U2", "D_U1"]
    assert texts(slack)[1:] == ["notice to-bob", "notice to-ann"]


async def test_a_429_on_a_reply_pauses_that_dm_for_the_outbox_too(
    app: Mentorhub, slack: FakeSlack, shared: SlackMessenger
) -> None:
    await register(app, "U1", "Ann")
    await register(app, "U2", "Bob")
    slack.fail_next(
        "chat.postMessage", error="ratelimited", status=429, retry_after=60, channel="D_U1"
    )
    await Wire(shared, slack).dm("privacy", user="U1")  # 60 s is longer than a person waits
    await slack.wait_for(lambda: slack.calls_to("chat.postMessage"), description="the 429")
    assert await shared.idle()
    assert app.pacer.paused_for(f"slack:{TEAM}:U1") == pytest.approx(60, abs=0.01)
    assert app.pacer.paused_for(f"slack:{TEAM}") == 0  # only Ann's DM, not the workspace

    await queue_notice(app, (await account(app, "U1")).person_id, "to-ann")
    await queue_notice(app, (await account(app, "U2")).person_id, "to-bob")
    report = await app.deliver()
    assert (report.sent, report.deferred) == (1, 1)  # Bob's went; Ann's waits in the table
    assert texts(slack) == ["notice to-bob"]
