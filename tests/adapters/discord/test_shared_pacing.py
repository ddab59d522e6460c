"""One pacer for everything sent to Discord, shared by the outbox and the adapter.

Opening a DM is declared (``opens_conversation``) and paced by the outbox in the new-DM
budget, once. A 429 pauses exactly the scope Discord named: one DM channel's limit only
that conversation — other DMs keep flowing — and a global one the whole bot.

The real DiscordMessenger and discord.py against FakeDiscord, through ``app.deliver()``;
the pacer runs in virtual time tied to the test's ManualClock. Every scripted 429 is
longer than discord.py waits by itself (30 s), so it raises at once: no real sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.discord.pacing_rules import pacing
from adapters.discord.settings import DISCORD
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import PlatformAccount
from core.messages import Reply
from core.pacing import Pacer, PlatformPacing
from tests.adapters.discord.harness import ANN, BOB, Harness
from tests.adapters.discord.test_adapter import queue, register
from tests.core.scheduling_helpers import FakeTime, VirtualTime

pytestmark = pytest.mark.timeout(20)

MESSAGES = r"^/channels/{}/messages$"


async def test_the_61st_new_dm_within_the_hour_waits() -> None:
    """Discord's default rules, as the outbox applies them to sends that open a DM."""
    time = VirtualTime()
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    rules = pacing()  # 60 new DMs an hour
    opened = []
    for n in range(61):
        account = PlatformAccount(DISCORD, "", str(ANN + n), person_id=n)
        await pacer.acquire(rules.scopes(account, opens_conversation=True))
        opened.append(time.now)
    assert opened[59] - opened[0] < 3600  # sixty within the hour
    assert opened[60] - opened[0] >= 3600 - 1e-6  # the 61st waits for the next hour
    known = PlatformAccount(DISCORD, "", str(ANN), person_id=0)
    assert pacer.wait_time(rules.scopes(known)) < 1.0  # a DM already open costs none of it


async def shared_pacer(h: Harness, clock: ManualClock, rules: PlatformPacing) -> Pacer:
    """The app's worker and a new messenger on one pacer in virtual time, with ``rules``."""
    time = FakeTime(clock)
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    h.app.delivery.pacer = pacer
    h.app.delivery.pacing[DISCORD] = rules
    await h.restart(pacer=pacer, pacing=rules)
    return pacer


def dm_texts(h: Harness, user: int) -> list[str]:
    channel = h.dc.dm_channel_id(user)
    return [m["content"] for m in h.dc.messages_sent(channel)] if channel is not None else []


async def test_a_new_dm_takes_one_token_of_the_budget_in_the_outbox(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    rules = pacing()  # a token a minute
    pacer = await shared_pacer(h, clock, rules)
    ann = await register(h, ANN)
    account = PlatformAccount(DISCORD, "", str(ANN), person_id=ann)
    assert h.messenger.opens_conversation(account)
    await queue(app, ann, Reply("hello"))
    assert (await app.deliver()).sent == 1
    assert not h.messenger.opens_conversation(account)  # the channel is known now
    new_dm = rules.scopes(account, opens_conversation=True)[-1]
    assert new_dm.name == "discord:new-dm"
    # one token taken (by the outbox), not two: the next is a minute away, not two
    assert pacer.wait_time([new_dm]) == pytest.approx(60, abs=0.01)
    await queue(app, ann, Reply("again"))
    assert (await app.deliver()).sent == 1  # an open DM: no new-DM token needed
    assert h.dc.dm_opens == 1


@pytest.mark.parametrize("scope", ["user", "shared"])  # a route's bucket, a resource's
async def test_a_429_on_one_dm_channel_delays_only_that_channel(
    h: Harness, app: Mentorhub, clock: ManualClock, scope: str
) -> None:
    pacer = await shared_pacer(h, clock, pacing(new_dms_per_hour=360_000))
    ann, bob = await register(h, ANN), await register(h, BOB, "Bob")
    await queue(app, ann, Reply("hi Ann"))
    await queue(app, bob, Reply("hi Bob"))
    assert (await app.deliver()).sent == 2  # both DM channels are open now
    ann_channel = h.dc.dm_channel_id(ANN)
    h.dc.fail_next("POST", MESSAGES.format(ann_channel), status=429, retry_after=60, scope=scope)

    await queue(app, ann, Reply("to Ann 0"))
    await queue(app, bob, *(Reply(f"to Bob {n}") for n in range(3)))
    started = clock.now()
    report = await app.deliver()
    assert (report.sent, report.rate_limited) == (3, 1)  # all of Bob's; Ann's hit the 429
    assert pacer.paused_for(f"discord:{ANN}") == pytest.approx(60, abs=5)
    assert pacer.paused_for(f"discord:{BOB}") == 0
    assert pacer.paused_for("discord") == 0  # not the bot

    # Ann's channel stays paused: her rows wait in the table, Bob's keep their 1/s pace.
    await queue(app, ann, Reply("to Ann 1"), Reply("to Ann 2"))
    await queue(app, bob, Reply("to Bob 3"), Reply("to Bob 4"))
    ann_calls = len(h.dc.calls_to("POST", MESSAGES.format(ann_channel)))
    report = await app.deliver()
    assert (report.sent, report.deferred) == (2, 2)
    assert len(h.dc.calls_to("POST", MESSAGES.format(ann_channel))) == ann_calls  # not asked
    assert sorted(dm_texts(h, BOB)[1:]) == [f"to Bob {n}" for n in range(5)]
    assert dm_texts(h, ANN) == ["hi Ann"]
    assert clock.now() - started < timedelta(seconds=30)  # Bob's never waited for Ann's pause

    clock.advance(timedelta(seconds=61))
    assert (await app.deliver()).sent == 3  # Ann's, after Discord's retry_after
    assert sorted(dm_texts(h, ANN)[1:]) == ["to Ann 0", "to Ann 1", "to Ann 2"]


async def test_a_global_429_pauses_the_whole_bot(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    pacer = await shared_pacer(h, clock, pacing(new_dms_per_hour=360_000))
    ann, bob = await register(h, ANN), await register(h, BOB, "Bob")
    await queue(app, ann, Reply("hi Ann"))
    await queue(app, bob, Reply("hi Bob"))
    assert (await app.deliver()).sent == 2
    ann_channel = h.dc.dm_channel_id(ANN)

    # A short one discord.py waits out itself (0.05 s of real time): the bot pauses too,
    # for the Retry-After header's whole seconds, so the outbox lines nothing up meanwhile.
    h.dc.fail_next(
        "POST", MESSAGES.format(ann_channel), status=429, retry_after=0.05, is_global=True
    )
    await queue(app, ann, Reply("short wait"))
    assert (await app.deliver()).sent == 1
    assert 0 < pacer.paused_for("discord") <= 1
    clock.advance(timedelta(seconds=2))

    h.dc.fail_next("POST", MESSAGES.format(ann_channel), status=429, retry_after=60, is_global=True)
    await queue(app, ann, Reply("long wait"))
    report = await app.deliver()
    assert report.rate_limited == 1
    assert pacer.paused_for("discord") == pytest.approx(60, abs=1)  # the bot, not only Ann
    await queue(app, bob, Reply("to Bob"))
    report = await app.deliver()
    assert (report.sent, report.deferred) == (0, 1)  # Bob waits too
    assert dm_texts(h, BOB) == ["hi Bob"]


async def test_a_limit_discord_py_raises_for_is_paced_by_the_429_of_that_call_only(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    """Each 429 is judged by the response of the call that hit it. A global 429 on Ann's
    channel that discord.py waited out says nothing about a later one on her channel:
    there her message bucket (5 per minute here) ran low, and discord.py refuses the
    next message itself without asking Discord. That pauses Ann's DMs, not the bot."""
    pacer = await shared_pacer(h, clock, pacing(new_dms_per_hour=360_000))
    ann, bob = await register(h, ANN), await register(h, BOB, "Bob")
    await queue(app, bob, Reply("hi Bob"))
    assert (await app.deliver()).sent == 1
    h.dc.message_bucket = (5, 60.0)  # for the channels opened from now on: Ann's
    h.dc.fail_next("POST", MESSAGES.format(r"\d+"), status=429, retry_after=0.05, is_global=True)
    await queue(app, ann, Reply("hi Ann"))
    assert (await app.deliver()).sent == 1  # after discord.py waited the global 429 out
    clock.advance(timedelta(seconds=2))  # the bot's pause is over

    await queue(app, ann, Reply("to Ann"))
    await queue(app, bob, Reply("to Bob"))
    report = await app.deliver()
    assert (report.sent, report.rate_limited) == (1, 1)
    assert pacer.paused_for(f"discord:{ANN}") == pytest.approx(60, abs=5)  # her bucket's reset
    assert pacer.paused_for("discord") == 0
    assert dm_texts(h, BOB) == ["hi Bob", "to Bob"]
