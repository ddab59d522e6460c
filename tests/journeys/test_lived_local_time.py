"""Every date and time a person reads is on their own clock, whoever caused the message.

The world (tests/journeys/world.py): cora in London coordinates 'prog'; dana (Berlin)
mentors mia (Lisbon), pair #1, in force from Mon 02 Mar 2026; erik mentors from New York.
The clock starts at Mon 02 Mar 2026 09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord.render import render_reply
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.messages import Field, MomentStyle, Reply, moment, reply_from_data, reply_to_data
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world


async def _noah_asks_erik(c: ConsoleSession) -> str:
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    return await c.say("noah", "ask @erik_lund")


async def test_a_request_deadline_reads_on_the_mentors_clock(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await _noah_asks_erik(c)
    # 72 hours from Mon 09:00 UTC is Thu 09:00 UTC: 04:00 in New York, where erik reads it
    assert "Please answer by: Thu 05 Mar 2026 04:00 EST" in told(out, "erik")
    assert "UTC" not in told(out, "erik")


async def test_a_pause_end_reads_on_the_partners_clock(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "pause 2026-03-10")
    # mia's own words: her last day, on her calendar
    assert "You're paused until Tue 10 Mar 2026" in own(out)
    # the pause lifts at midnight in Lisbon: 01:00 the next day in Berlin, where dana is
    assert "Mia Sousa paused pair #1 until Wed 11 Mar 2026 01:00 CET." in told(out, "dana")


async def test_a_note_is_dated_on_each_readers_calendar(app: Mentorhub, clock: ManualClock) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # 23:30 in Lisbon, 00:30 in Berlin
    await c.say("mia", "note Portfolio review went well", "Share with my partner")
    assert "Mon 02 Mar 2026 you (shared): Portfolio review went well" in await c.say("mia", "notes")
    assert "Tue 03 Mar 2026 Mia Sousa (shared): Portfolio review went well" in await c.say(
        "dana", "notes"
    )


async def test_the_first_check_in_is_told_on_each_partners_own_day(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    await _noah_asks_erik(c)
    await c.say("erik", "accept 2")
    clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # Tue 01:00 in Tokyo, Mon 11:00 in NY
    await c.say("noah", "agree", "Ship a portfolio", "weekly", "async", "here in chat", "30")
    out = await c.say("noah", "2026-03-03", "12w", "48", "#1")
    assert "Sent to Erik Lund" in out, out
    out = await c.say("erik", "confirm")
    assert "Your first check-in opens Tue 03 Mar 2026." in own(out)
    # it is already Tuesday in Tokyo: noah can check in right away, and is told so
    assert "Your first check-in is open now." in told(out, "noah")
    assert "opens Tue 03 Mar" not in told(out, "noah")


def test_a_stored_notice_keeps_its_moments_and_its_readers_zone() -> None:
    at = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    reply = Reply(f"Answer by {moment(at)}", zone="America/New_York")
    stored = reply_from_data(reply_to_data(reply))
    assert stored.plain() == "Answer by Thu 05 Mar 2026 04:00 EST"
    assert Reply(f"on {moment(at, MomentStyle.DAY)}", zone="Asia/Tokyo").plain() == (
        "on Thu 05 Mar 2026"
    )
    assert Reply(f"at {moment(at)}", zone="Asia/Dubai").plain() == (
        "at Thu 05 Mar 2026 13:00 UTC+04"
    )


def test_discord_shows_moments_as_timestamps_each_client_localises() -> None:
    at = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    unix = int(at.timestamp())
    message = render_reply(Reply(f"Answer by {moment(at)} *please*", zone="Europe/Berlin"))
    assert message.content == f"Answer by <t:{unix}:F> \\*please\\*"
    card = Reply("", title="Note", fields=(Field("Written", moment(at, MomentStyle.DAY)),))
    embed = render_reply(card).embed
    assert embed is not None
    assert embed["fields"][0]["value"] == f"<t:{unix}:D>"
