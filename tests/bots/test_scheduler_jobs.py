"""APScheduler runs a few fixed jobs, each with explicit misfire/coalesce/instance limits."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from apscheduler.events import (
    EVENT_ALL,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
)

from bots.bootstrap import Mentorhub, new_worker_id
from bots.runner import LONG_PASS, OnePassAtATime, build_scheduler
from core.delivery import DeliveryReport


async def test_only_fixed_jobs_with_explicit_limits(app: Mentorhub) -> None:
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "dispatch-due",
        "deliver-outbox",
        "mentoring-upkeep",
        "housekeeping",
        "weekly-digest",
    }
    for job_id, job in jobs.items():
        assert job.coalesce is True
        # the pollers guard themselves: a second instance only notes the first is running
        assert job.max_instances == (2 if job_id in ("dispatch-due", "deliver-outbox") else 1)
        assert job.misfire_grace_time is not None and job.misfire_grace_time >= 30
    assert jobs["dispatch-due"].next_run_time is not None  # runs at start, not one interval late
    assert str(jobs["weekly-digest"].trigger).startswith("cron[day_of_week='mon', hour='7'")


async def test_the_jobs_run_with_nothing_to_do(app: Mentorhub) -> None:
    assert (await app.dispatch()).claimed == 0
    assert (await app.deliver()).sent == 0
    assert (await app.housekeep()).outbox == 0
    assert await app.weekly_digest() == 0  # no program, no coordinator: nothing to send
    assert set(app.due_handlers) == {
        "checkin_open", "meeting_reminder", "checkin_reminder", "checkin_close",
        "midpoint", "agreement_end",
    }  # fmt: skip


def test_each_process_has_its_own_worker_id() -> None:
    assert new_worker_id() != new_worker_id()


async def test_a_pass_outliving_its_interval_is_not_a_warning(
    app: Mentorhub, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a delivery pass waits out a 429, every poll finds it still running: that is
    normal, so nothing is logged above DEBUG and the pass is not started twice."""
    started, release = asyncio.Event(), asyncio.Event()
    calls = 0

    async def long_pass() -> DeliveryReport:
        nonlocal calls
        calls += 1
        started.set()
        await release.wait()
        return DeliveryReport()

    monkeypatch.setattr(app.delivery, "deliver", long_pass)
    scheduler = build_scheduler(app)
    for other in ("dispatch-due", "mentoring-upkeep", "housekeeping", "weekly-digest"):
        scheduler.remove_job(other)
    polls = asyncio.Queue[int]()
    scheduler.add_listener(lambda event: polls.put_nowait(event.code), EVENT_ALL)
    caplog.set_level(logging.DEBUG)
    scheduler.start()
    try:
        async with asyncio.timeout(5):
            await started.wait()
            while not polls.empty():  # the first run's own events
                polls.get_nowait()
            for _ in range(3):  # three polls come while the pass still runs
                scheduler.modify_job("deliver-outbox", next_run_time=datetime.now(UTC))
                # the poll ends: skipped by APScheduler, or run (and finished at once)
                while await polls.get() not in (EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES):
                    pass
        assert calls == 1
        noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert noisy == []
        release.set()
        async with asyncio.timeout(5):  # the pass ends as usual
            while await polls.get() != EVENT_JOB_EXECUTED:
                pass
    finally:
        release.set()
        scheduler.shutdown(wait=False)


async def test_a_pass_running_far_too_long_is_a_warning_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A pass still running after LONG_PASS is worth a look: one warning, not one a poll."""
    clock = [0.0]
    release = asyncio.Event()

    async def stuck() -> None:
        await release.wait()

    job = OnePassAtATime("deliver-outbox", stuck, monotonic=lambda: clock[0])
    running = asyncio.create_task(job.run())
    await asyncio.sleep(0)
    caplog.set_level(logging.DEBUG)
    for clock[0] in (1.0, LONG_PASS - 1, LONG_PASS + 1, LONG_PASS + 60):
        await job.run()  # a poll while the pass runs returns at once
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"deliver-outbox: a pass has been running for {LONG_PASS + 1:.0f}s; later polls wait for it"
    ]
    release.set()
    async with asyncio.timeout(5):
        await running
    clock[0] = LONG_PASS * 3
    release.clear()
    second = asyncio.create_task(job.run())  # a new pass starts its own count
    await asyncio.sleep(0)
    await job.run()
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    release.set()
    async with asyncio.timeout(5):
        await second
