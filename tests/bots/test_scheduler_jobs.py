"""APScheduler runs a few fixed jobs, each with explicit misfire/coalesce/instance limits."""

from __future__ import annotations

from bots.bootstrap import Mentorhub, new_worker_id
from bots.runner import build_scheduler


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
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
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
