"""A reply someone waits for survives a 429: sent again once Slack allows."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.pacing import Pacer
from tests.adapters.slack.conftest import Wire, register, running
from tests.fakes.slack_api import FakeSlack


async def test_a_429_on_the_reply_to_a_typed_dm_is_retried_when_slack_allows(
    app: Mentorhub, slack: FakeSlack
) -> None:
    await register(app, "U1", "Ann")
    virtual = [0.0]  # the pacer's clock: moves only when it sleeps
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        virtual[0] += seconds

    pacer = Pacer(monotonic=lambda: virtual[0], sleep=sleep)
    async with running(app, slack, pacer=pacer) as messenger:
        slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=5)
        await Wire(messenger, slack).dm("help", user="U1")
        await slack.wait_for(
            lambda: slack.posted_messages("D_U1"), description="the reply, after the 429"
        )
        assert await messenger.idle()
    statuses = [c.status for c in slack.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert sum(slept) >= 4.9  # waited out Retry-After in the pacer (the one pacer)
    assert len(slack.posted_messages("D_U1")) == 1
