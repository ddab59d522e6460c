"""The delivery worker: exactly-once across crashes, pacing per scope, retries, fallbacks."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, cast

import pytest

from bots.bootstrap import Mentorhub
from bots.messengers import pacing_rules
from core.clock import ManualClock
from core.delivery import (
    DeliveryWorker,
    RateLimited,
    RetryPolicy,
    Sender,
    TransientFailure,
    Unreachable,
    UnreachableHook,
    post_to_space,
)
from core.dispatch import WorkContext
from core.identity import Platform, PlatformAccount
from core.messages import Notice, Reply, SpacePost, reply_to_data
from core.pacing import Pacer, Scope
from core.ports import OutboxMessage, UnitOfWorkFactory
from tests.core.scheduling_helpers import FakeSender, FakeTime, SimulatedCrash, add_person

TG, SLACK = Platform("telegram"), Platform("slack")
LEASE = timedelta(minutes=2)


@pytest.fixture
def fake_time(clock: ManualClock) -> FakeTime:
    return FakeTime(clock)


def worker(
    app: Mentorhub,
    senders: Mapping[Platform, Sender],
    time: FakeTime,
    *,
    name: str = "w1",
    factory: UnitOfWorkFactory | None = None,
    on_unreachable: UnreachableHook | None = None,
) -> DeliveryWorker:
    return DeliveryWorker(
        factory or app.uow_factory,
        senders,
        app.clock,
        worker=name,
        pacer=Pacer(monotonic=time.monotonic, sleep=time.sleep),
        pacing=pacing_rules(),
        lease=LEASE,
        retry=RetryPolicy(max_attempts=4, base=timedelta(seconds=10), cap=timedelta(minutes=5)),
        rng=random.Random(7),
        on_unreachable=on_unreachable,
    )


async def queue(app: Mentorhub, person_id: int, key: str, text: str | None = None) -> None:
    async with app.uow() as uow:
        await uow.outbox.add(
            OutboxMessage(
                person_id=person_id,
                key=key,
                kind="nudge",
                payload=reply_to_data(Reply(text or key)),
                created_at=app.clock.now(),
            )
        )
        await uow.commit()


async def row(app: Mentorhub, person_id: int, key: str) -> OutboxMessage:
    async with app.uow() as uow:
        found = await uow.outbox.by_key(person_id, key)
    assert found is not None
    return found


async def test_each_message_is_sent_once_and_recorded(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    tg = FakeSender(TG, fake_time)
    people = [(await add_person(app, f"p{n}", (TG, "", str(n))))[0] for n in range(5)]
    for person in people:
        await queue(app, person, f"k{person}")
    report = await worker(app, {TG: tg}, fake_time).deliver()
    assert report.sent == 5 and sorted(tg.texts()) == sorted(f"k{p}" for p in people)
    sent = await row(app, people[0], f"k{people[0]}")
    assert (sent.status, sent.attempts, sent.locked_by) == ("sent", 1, None)
    assert sent.sent_at is not None and sent.sent_at <= app.clock.now()
    assert (await worker(app, {TG: tg}, fake_time).deliver()).sent == 0


async def test_crash_between_claim_and_send_sends_once_after_restart(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg = FakeSender(TG, fake_time)
    alice, _ = await add_person(app, "alice", (TG, "", "1"))
    await queue(app, alice, "pair:1:checkin:1")
    async with app.uow() as uow:  # a worker claims the row, then its process dies
        [_claimed] = await uow.outbox.claim(now=clock.now(), limit=10, worker="dead", lease=LEASE)
        await uow.commit()
    restarted = worker(app, {TG: tg}, fake_time, name="new")
    assert (await restarted.deliver()).sent == 0  # the dead worker's lease still holds
    clock.advance(LEASE + timedelta(seconds=1))
    assert (await restarted.deliver()).sent == 1
    assert (await restarted.deliver()).sent == 0
    assert tg.texts() == ["pair:1:checkin:1"]


@pytest.mark.parametrize("confirms", [False, True])
async def test_crash_between_send_and_record_never_sends_twice(
    sqlite_app: Mentorhub, fake_time: FakeTime, confirms: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg = FakeSender(TG, fake_time, confirms=confirms)
    alice, _ = await add_person(app, "alice", (TG, "", "1"))
    await queue(app, alice, "pair:1:checkin:1")
    tg.script["1"].append(SimulatedCrash())  # delivered, then the process dies
    await worker(app, {TG: tg}, fake_time, name="dying").deliver()
    assert (await row(app, alice, "pair:1:checkin:1")).status == "sending"
    restarted = worker(app, {TG: tg}, fake_time, name="new")
    assert (await restarted.deliver()).sent == 0  # lease still held: left alone
    clock.advance(LEASE + timedelta(seconds=1))
    with caplog.at_level(logging.WARNING, logger="core.delivery"):
        report = await restarted.deliver()
    assert tg.texts() == ["pair:1:checkin:1"]  # exactly one delivery
    recorded = await row(app, alice, "pair:1:checkin:1")
    if confirms:
        assert report.confirmed == 1 and recorded.status == "sent"
    else:
        assert report.uncertain == 1 and recorded.status == "uncertain"
        assert "assumed sent" in caplog.text


async def test_crash_after_marking_sending_but_before_the_call_is_resent_when_denied(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    """With a confirming sender even the tiny window is exactly-once: it says 'not sent'."""
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg = FakeSender(TG, fake_time, confirms=True)
    alice, [account] = await add_person(app, "alice", (TG, "", "1"))
    await queue(app, alice, "k")
    async with app.uow() as uow:
        [claimed] = await uow.outbox.claim(now=clock.now(), limit=1, worker="dead", lease=LEASE)
        assert claimed.id is not None and account.id is not None
        await uow.outbox.mark_sending(
            claimed.id, worker="dead", account_id=account.id, now=clock.now(), lease=LEASE
        )
        await uow.commit()
    clock.advance(LEASE + timedelta(seconds=1))
    report = await worker(app, {TG: tg}, fake_time, name="new").deliver()
    assert report.confirmed == 1 and report.sent == 1
    assert tg.texts() == ["k"]


async def test_two_workers_on_two_engines_send_each_message_once(
    app: Mentorhub, second_uow_factory: UnitOfWorkFactory, fake_time: FakeTime
) -> None:
    tg = FakeSender(TG, fake_time)
    people = [(await add_person(app, f"p{n}", (TG, "", str(n))))[0] for n in range(40)]
    for person in people:
        await queue(app, person, "nudge")
    first = worker(app, {TG: tg}, fake_time, name="w1")
    second = worker(app, {TG: tg}, fake_time, name="w2", factory=second_uow_factory)
    first.batch = second.batch = 8
    reports = await asyncio.gather(first.deliver(), second.deliver())
    assert sum(r.sent for r in reports) == 40
    assert sorted(user for user, _, _ in tg.delivered) == sorted(str(n) for n in range(40))


async def test_a_429_storm_on_one_platform_does_not_slow_another(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg, slack = FakeSender(TG, fake_time), FakeSender(SLACK, fake_time)
    for n in range(20):
        await add_person(app, f"t{n}", (TG, "", f"t{n}"))
        await add_person(app, f"s{n}", (SLACK, "T1", f"s{n}"))
    async with app.uow() as uow:
        accounts = [a for p in range(1, 41) for a in await uow.accounts.of_person(p)]
    for account in accounts:
        await queue(app, account.person_id, "monday-nudge")
        if account.platform is TG:
            tg.always[account.user_id] = RateLimited(30.0)  # Telegram: 429 after 429
    delivery = worker(app, {TG: tg, SLACK: slack}, fake_time)
    started = fake_time.monotonic()
    report = await delivery.deliver()
    elapsed = fake_time.monotonic() - started
    assert len(slack.delivered) == 20 and tg.delivered == []
    assert elapsed < 5  # Slack kept its own pace (500/min per workspace): ~2.4 s, not 30+
    assert max(slack.at) - started == pytest.approx(19 / (500 / 60), abs=0.2)
    assert report.rate_limited >= 1 and report.deferred >= 19
    assert delivery.pacer.paused_for("telegram") > 25
    assert delivery.pacer.paused_for("slack:T1") == 0
    tg.always.clear()  # the storm is over
    clock.advance(timedelta(seconds=31))
    report = await delivery.deliver()
    assert report.sent == 20 and len(tg.delivered) == 20
    stuck = await row(app, accounts[0].person_id, "monday-nudge")
    assert stuck.attempts == 1  # 429s are the platform's pace, not failed attempts


async def test_a_429_for_one_chat_pauses_only_that_chat(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    tg = FakeSender(TG, fake_time)
    for n in range(5):
        person, _ = await add_person(app, f"t{n}", (TG, "", str(n)))
        await queue(app, person, "nudge")
    tg.script["0"].append(RateLimited(20.0, scope="telegram:0"))
    delivery = worker(app, {TG: tg}, fake_time)
    report = await delivery.deliver()
    assert report.sent == 4 and report.rate_limited == 1
    assert delivery.pacer.paused_for("telegram:0") > 15
    assert delivery.pacer.paused_for("telegram") == 0


async def test_transient_failures_back_off_with_jitter_then_give_up(
    sqlite_app: Mentorhub, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg = FakeSender(TG, fake_time)
    alice, _ = await add_person(app, "alice", (TG, "", "1"))
    await queue(app, alice, "k")
    tg.always["1"] = TransientFailure("502 Bad Gateway")
    delivery = worker(app, {TG: tg}, fake_time)
    delays = []
    for attempt in range(1, 4):
        assert (await delivery.deliver()).retried == 1
        message = await row(app, alice, "k")
        assert message.attempts == attempt and message.next_attempt_at is not None
        delay = message.next_attempt_at - clock.now()
        ceiling = min(timedelta(minutes=5), timedelta(seconds=10) * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
        delays.append(delay)
        assert (await delivery.deliver()).retried == 0  # not before its time
        clock.advance(delay)
    with caplog.at_level(logging.WARNING, logger="core.delivery"):
        assert (await delivery.deliver()).failed == 1
    assert (await row(app, alice, "k")).status == "failed"
    assert "502 Bad Gateway" in caplog.text
    assert delays == sorted(delays)


async def test_unreachable_falls_back_to_the_persons_other_account(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    tg, slack = FakeSender(TG, fake_time), FakeSender(SLACK, fake_time)
    alice, (_tg_account, slack_account) = await add_person(
        app, "alice", (TG, "", "1"), (SLACK, "T1", "U1")
    )
    await queue(app, alice, "k")
    tg.always["1"] = Unreachable("Forbidden: bot was blocked by the user")
    report = await worker(app, {TG: tg, SLACK: slack}, fake_time).deliver()
    assert (report.rerouted, report.sent) == (1, 1)
    assert slack.texts() == ["k"] and tg.delivered == []
    message = await row(app, alice, "k")
    assert (message.status, message.account_id) == ("sent", slack_account.id)
    async with app.uow() as uow:
        reachable = {a.platform: a.reachable for a in await uow.accounts.of_person(alice)}
    assert reachable == {TG: False, SLACK: True}
    await queue(app, alice, "k2")  # next time the blocked account isn't even tried
    await worker(app, {TG: tg, SLACK: slack}, fake_time).deliver()
    assert slack.texts() == ["k", "k2"] and tg.calls == 1


async def test_unreachable_everywhere_tells_someone_and_logs(
    sqlite_app: Mentorhub, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    app = sqlite_app
    tg = FakeSender(TG, fake_time)
    alice, _ = await add_person(app, "alice", (TG, "", "1"))
    partner, _ = await add_person(app, "bob", (TG, "", "2"))
    await queue(app, alice, "pair:1:checkin:3", "Time for your check-in")
    tg.always["1"] = Unreachable("Forbidden: bot was blocked by the user")
    told: list[tuple[int, str]] = []

    async def tell_partner(
        ctx: WorkContext, person_id: int, message: OutboxMessage
    ) -> list[Notice]:
        told.append((person_id, message.key))
        return [Notice(partner, Reply("We can't reach Alice on any messenger."), key="")]

    with caplog.at_level(logging.WARNING, logger="core.delivery"):
        report = await worker(app, {TG: tg}, fake_time, on_unreachable=tell_partner).deliver()
    assert report.unreachable == 1 and report.sent == 1
    assert told == [(alice, "pair:1:checkin:3")]
    assert (await row(app, alice, "pair:1:checkin:3")).status == "unreachable"
    assert (await row(app, partner, "unreachable:pair:1:checkin:3")).status == "sent"
    assert tg.texts("2") == ["We can't reach Alice on any messenger."]
    assert "not delivered" in caplog.text and "1 notice(s) queued" in caplog.text


async def test_unreachable_without_a_hook_is_recorded_and_logged(
    sqlite_app: Mentorhub, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    app = sqlite_app
    alice, _ = await add_person(app, "alice")  # no account at all
    await queue(app, alice, "k")
    with caplog.at_level(logging.WARNING, logger="core.delivery"):
        report = await worker(app, {}, fake_time).deliver()
    assert report.unreachable == 1
    assert (await row(app, alice, "k")).last_error == "no reachable account"
    assert "not delivered: no reachable account" in caplog.text


async def test_a_burst_to_one_chat_is_paced_at_one_per_second(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    tg = FakeSender(TG, fake_time)
    alice, _ = await add_person(app, "alice", (TG, "", "1"))
    for n in range(5):
        await queue(app, alice, f"k{n}")
    delivery = worker(app, {TG: tg}, fake_time)
    delivery.pacer = RecordingPacer(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    sent = (await delivery.deliver()).sent
    while sent < 5:  # beyond the hold limit the rest waits in the table, not in memory
        clock.advance(timedelta(seconds=1))
        sent += (await delivery.deliver()).sent
    assert sorted(tg.texts()) == [f"k{n}" for n in range(5)]
    taken = sorted(delivery.pacer.taken)
    assert len(taken) == 5
    assert all(b - a >= 1 - 1e-3 for a, b in itertools.pairwise(taken))


class RecordingPacer(Pacer):
    """Remembers when tokens were taken (the moment a send was let through)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.taken: list[float] = []

    async def acquire(self, scopes: Sequence[Scope], *, give_up_after: float | None = None) -> bool:
        taken = await super().acquire(scopes, give_up_after=give_up_after)
        if taken:
            self.taken.append(self._monotonic())
        return taken


class _Poster(FakeSender):
    """A sender that can also post in spaces."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.posts: list[tuple[str, str]] = []

    async def post_to_space(self, space: str, reply: Reply) -> None:
        self.posts.append((space, reply.text))


async def test_space_posts_go_to_the_messenger_of_the_spaces_platform() -> None:
    telegram = _Poster(Platform("telegram"))
    senders: dict[Platform, Sender] = {
        Platform("telegram"): telegram,
        Platform("discord"): FakeSender(Platform("discord")),  # no group posts
    }
    hello = Reply("hello")
    assert await post_to_space(senders, SpacePost("telegram:-100", hello)) is True
    assert telegram.posts == [("telegram:-100", "hello")]
    assert await post_to_space(senders, SpacePost("discord:42", hello)) is False
    for nowhere in ("slack:C1", "irc:#x", ""):  # no running messenger posts there
        with pytest.raises(Unreachable):
            await post_to_space(senders, SpacePost(nowhere, hello))


def test_a_429_in_an_adapters_own_words_pauses_only_that_conversation() -> None:
    from core.delivery import _scope_named_by

    slack = pacing_rules()[Platform("slack")]
    account = PlatformAccount(Platform("slack"), "T1", "U1", person_id=1)
    scopes = slack.scopes(account)
    assert _scope_named_by(scopes, "slack:T1:U1").name == "slack:T1:U1"
    assert _scope_named_by(scopes, "slack:T1:D_U1").name == "slack:T1:U1"  # a channel id
    assert _scope_named_by(scopes, "").name == "slack:T1"  # unscoped: the widest


async def test_a_paused_workspace_does_not_hold_up_another_on_the_same_platform(
    sqlite_app: Mentorhub, fake_time: FakeTime
) -> None:
    app = sqlite_app
    slack = FakeSender(SLACK, fake_time)
    for n in range(30):  # T1's messages come first in the outbox
        person, _ = await add_person(app, f"a{n}", (SLACK, "T1", f"A{n}"))
        await queue(app, person, "nudge")
        slack.always[f"A{n}"] = RateLimited(60.0)
    for n in range(10):
        person, _ = await add_person(app, f"b{n}", (SLACK, "T2", f"B{n}"))
        await queue(app, person, "nudge")
    delivery = worker(app, {SLACK: slack}, fake_time)
    started = fake_time.monotonic()
    report = await delivery.deliver()
    assert sorted(slack.texts()) == ["nudge"] * 10
    assert {user[0] for user, _, _ in slack.delivered} == {"B"}
    assert fake_time.monotonic() - started < 3  # T2's own pace (500/min), not T1's minute
    assert report.rate_limited >= 1 and report.deferred == 30  # in flight before the 429
    assert delivery.pacer.paused_for("slack:T1") > 50


async def test_pacing_state_of_idle_chats_is_forgotten(app: Mentorhub, fake_time: FakeTime) -> None:
    delivery = worker(app, {TG: FakeSender(TG, fake_time)}, fake_time)
    for n in range(5):
        person, _ = await add_person(app, f"p{n}", (TG, "", str(n)))
        await queue(app, person, "nudge")
    assert (await delivery.deliver()).sent == 5
    per_chat = {name for name in delivery.pacer._buckets if name.startswith("telegram:")}
    assert len(per_chat) == 5
    await fake_time.sleep(2 * 3600)  # two quiet hours later, the next pass sweeps
    await delivery.deliver()
    assert not [name for name in delivery.pacer._buckets if name.startswith("telegram:")]
