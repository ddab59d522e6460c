"""Nudges from the agreement: at a sensible local time, once, never while paused.

The world's pair #1 (dana in Berlin mentoring mia in Lisbon) has a weekly agreement from
Mon 2 March 2026 for 12 weeks; Europe moves its clocks on 29 March and 25 October, the
United States on 8 March and 1 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.delivery import Messenger, Unreachable
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import PAIR_SPACE, Reply
from core.ports import DueItem, DueStatus
from core.services.schedule import CHECKIN_CLOSE, CHECKIN_OPEN, JITTER, MIDPOINT
from tests.console_harness import ConsoleSession, told
from tests.journeys.world import build_world

MIA = UserRef(Platform("console"), "", "mia", display_name="Mia")
KEEP_ALL = dict.fromkeys(
    ("goals", "cadence_days", "mode", "channel", "meeting_minutes", "starts_on", "ends_on",
     "response_hours", "confidentiality"),
    "=keep",
)  # fmt: skip


async def items(
    app: Mentorhub, kind: str, handle: str | None = None, *, cancelled: bool = False
) -> list[DueItem]:
    async with app.uow() as uow:
        person_id = None
        if handle:
            person = await uow.people.by_handle(handle)
            assert person is not None
            person_id = person.id
        found = await uow.due.for_subject("pair:1")
    chosen = [
        i
        for i in found
        if i.kind == kind
        and (person_id is None or i.person_id == person_id)
        and (cancelled or i.status != DueStatus.CANCELLED)
    ]
    return sorted(chosen, key=lambda i: i.period)


def local(item: DueItem, zone: str) -> datetime:
    return item.due_at.astimezone(ZoneInfo(zone))


def near(moment: datetime, hour: int, minute: int = 0) -> bool:
    wanted = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return abs(moment - wanted) <= JITTER


async def reagree(app: Mentorhub, c: ConsoleSession, **changes: str) -> None:
    started = await app.hub.command(MIA, "agree")
    form = started.replies[-1].form
    assert form is not None
    result = await app.hub.submit_form(MIA, form, {**KEEP_ALL, **changes})
    assert result.outcome is not None and result.errors is None, result
    out = await c.say("dana", "confirm")
    assert "is in force" in out


async def test_check_ins_open_at_nine_local_across_dst_in_two_zones(app: Mentorhub) -> None:
    c = await build_world(app)
    dana = await items(app, CHECKIN_OPEN, "dana_berg")
    assert [i.period for i in dana] == list(range(12))
    assert all(near(local(i, "Europe/Berlin"), 9) for i in dana)
    before, after = dana[3], dana[4]  # 23 March (CET) and 30 March (CEST)
    assert local(before, "Europe/Berlin").date() == date(2026, 3, 23)
    assert near(before.due_at.astimezone(UTC), 8) and near(after.due_at.astimezone(UTC), 7)

    # Mia moves to New York and re-proposes the same agreement: her items move with her.
    ids_before = {i.period: i.id for i in await items(app, CHECKIN_OPEN, "mia_sousa")}
    await c.say("mia", "profile timezone America/New_York")
    await reagree(app, c)
    mia = await items(app, CHECKIN_OPEN, "mia_sousa")
    assert {i.period: i.id for i in mia} == ids_before  # moved, not duplicated
    assert all(near(local(i, "America/New_York"), 9) for i in mia)
    assert near(mia[0].due_at.astimezone(UTC), 14)  # 2 March, EST
    assert near(mia[1].due_at.astimezone(UTC), 13)  # 9 March, EDT


async def test_fall_back_in_both_zones(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    await c.say("mia", "profile timezone America/New_York")
    clock.set(datetime(2026, 10, 15, 12, tzinfo=UTC))
    await reagree(app, c, starts_on="2026-10-19", ends_on="4w")
    dana = await items(app, CHECKIN_OPEN, "dana_berg")
    mia = await items(app, CHECKIN_OPEN, "mia_sousa")
    assert [local(i, "Europe/Berlin").date() for i in dana] == [
        date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9),
    ]  # fmt: skip
    assert all(near(local(i, "Europe/Berlin"), 9) for i in dana)
    assert all(near(local(i, "America/New_York"), 9) for i in mia)
    assert near(dana[0].due_at.astimezone(UTC), 7) and near(dana[1].due_at.astimezone(UTC), 8)
    assert near(mia[1].due_at.astimezone(UTC), 13) and near(mia[2].due_at.astimezone(UTC), 14)
    async with app.uow() as uow:
        old = [
            i
            for i in await uow.due.for_subject("pair:1")
            if i.kind == CHECKIN_OPEN and i.period >= 4
        ]
    assert old and all(i.status == DueStatus.CANCELLED for i in old)  # the longer plan's tail


async def test_quiet_hours_move_nudges_to_the_end_of_them(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("mia", "profile quiet 21-10")
    await reagree(app, c)
    mia = await items(app, CHECKIN_OPEN, "mia_sousa")
    assert all(local(i, "Europe/Lisbon").hour >= 10 for i in mia)
    assert all(local(i, "Europe/Lisbon").hour < 21 for i in mia)


async def test_a_nudge_is_sent_once_when_due(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    first = (await items(app, CHECKIN_OPEN, "mia_sousa"))[1]  # 9 March
    clock.set(first.due_at - timedelta(minutes=1))
    await app.dispatch()
    await app.deliver()
    assert "Time to check in" not in told(c.out.getvalue(), "mia")
    clock.set(first.due_at + timedelta(minutes=1))
    await app.dispatch()
    await app.deliver()
    await app.dispatch()
    await app.deliver()
    to_mia = told(c.out.getvalue(), "mia")
    assert to_mia.count("Check-in 2 with Dana Berg is open through Sun 15 Mar 2026.") == 1
    assert "[#1 Check in now]" in to_mia


async def test_nothing_is_nudged_while_paused_and_resume_revives_the_schedule(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 4, 12, tzinfo=UTC))
    await c.say("mia", "pause 2026-03-20 pair=1")
    paused = [i for i in await items(app, CHECKIN_OPEN, cancelled=True) if i.period >= 1]
    assert paused and all(i.status == DueStatus.CANCELLED for i in paused)
    start = c.out.tell()
    for day in range(5, 20):
        clock.set(datetime(2026, 3, day, 12, tzinfo=UTC))
        await app.dispatch()
        await app.deliver()
    assert "Time to check in" not in c.out.getvalue()[start:]
    await c.say("mia", "resume pair=1")
    revived = [i for i in await items(app, CHECKIN_OPEN) if i.status == DueStatus.SCHEDULED]
    assert min(i.period for i in revived) == 3  # from the period in progress on 19 March
    out = await c.say("mia", "checkins")
    assert "2. Mon 09 Mar 2026: paused" in out


async def test_catch_up_after_downtime_sends_one_nudge_not_one_per_period(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 24, 12, tzinfo=UTC))  # down since 1 March: 4 periods opened
    await app.dispatch()
    await app.deliver()
    await app.pass_time(timedelta(minutes=5))  # the opening follows the close it waited for
    to_mia = told(c.out.getvalue(), "mia")
    assert to_mia.count("Time to check in") == 1
    assert "Check-in 4 with Dana Berg is open" in to_mia
    opened = await items(app, CHECKIN_OPEN, "mia_sousa")
    assert [i.status for i in opened[:3]] == [DueStatus.MISSED] * 3


async def test_silence_escalates_reminder_partner_then_coordinator(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    closes = await items(app, CHECKIN_CLOSE)
    for period in range(3):
        clock.set(closes[period].due_at - timedelta(days=5))
        await c.say("dana", "checkin", "#1", "#2", "Prepared material", "Nothing", "4", "#1")
        clock.set(closes[period].due_at + timedelta(minutes=1))
        start = c.out.tell()
        await app.dispatch()
        await app.deliver()
        out = c.out.getvalue()[start:]
        if period == 0:
            assert "We missed your check-in last period" in told(out, "mia")
            assert "hasn't checked in" not in told(out, "dana") and told(out, "cora") == ""
        if period == 1:
            assert "Mia Sousa hasn't checked in for 2 periods." in told(out, "dana")
        if period == 2:
            assert "Pair #1 in Test program: Mia Sousa missed 3 check-ins in a row." in told(
                out, "cora"
            )
            assert "paused pair #1 until further notice" in told(out, "mia")
            assert "[#1 Resume]" in told(out, "mia")
    async with app.uow() as uow:
        pair = await uow.pairs.get(1)
        assert pair is not None and pair.status.value == "paused"
    assert "Time to check in" not in told(out, "mia")  # the pause came first
    resumed = await app.hub.action(MIA, "c:resume:pair=1")  # one tap on "Resume"
    assert resumed.replies[0].text == "Pair #1 is active again. Your partner is told."


async def test_the_weekly_digest_reaches_coordinators_once(app: Mentorhub) -> None:
    c = await build_world(app)
    assert await app.weekly_digest() == 1
    assert await app.weekly_digest() == 0  # same ISO week: not again
    await app.deliver()
    digest = told(c.out.getvalue(), "cora")
    assert "== Test program: this week ==" in digest and "Pairs: active 1" in digest


class Refusing:
    """A console 'messenger' on which one person has blocked us."""

    platform = Platform("console")

    def __init__(self, inner: object, blocked: str) -> None:
        self.inner, self.blocked = inner, blocked

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        if account.user_id == self.blocked:
            raise Unreachable("blocked")
        await self.inner.send(account, reply)  # type: ignore[attr-defined]


async def test_an_unreachable_person_is_reported_to_partner_and_coordinator_once(
    app: Mentorhub,
) -> None:
    c = await build_world(app)
    app.outlets.add(cast(Messenger, Refusing(c.console, blocked="mia")), replace=True)
    start = c.out.tell()
    await c.say("dana", "note Let's meet Thursday", "Share with my partner")
    await c.say("dana", "note And bring the slides", "Share with my partner")
    await app.deliver()  # (the console already delivers after each line)
    out = c.out.getvalue()[start:]
    assert told(out, "dana").count("I can't reach Mia Sousa") == 1
    assert told(out, "cora").count("I can't reach Mia Sousa") == 1
    async with app.uow() as uow:
        (account,) = await uow.accounts.of_person(4)
        assert account.reachable is False


async def test_a_shared_reminder_is_not_offered_for_the_pair_space_in_partner_quiet_hours(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    await c.say("dana", "profile quiet 22-11")  # Berlin; Mia's 09:00 Lisbon is 10:00 here
    await reagree(app, c, ends_on="2w")  # the midpoint is Monday 9 March
    (mias,) = await items(app, MIDPOINT, "mia_sousa")
    (danas,) = await items(app, MIDPOINT, "dana_berg")
    assert mias.due_at < danas.due_at
    for item in (mias, danas):
        clock.set(item.due_at + timedelta(minutes=1))
        await app.dispatch()
    async with app.uow() as uow:
        to_mia = await uow.outbox.by_key(mias.person_id, mias.key)
        to_dana = await uow.outbox.by_key(danas.person_id, danas.key)
    assert to_mia is not None and to_dana is not None
    assert PAIR_SPACE not in to_mia.payload  # Dana was asleep: Mia's copy is hers alone
    assert to_dana.payload[PAIR_SPACE]["partner_id"] == mias.person_id
