"""The coordinator's view in chat: status and a CSV export. Aggregates only, never content."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.commands.checkins import settle_periods
from core.commands.common import PROGRAM_ARG, agreement_in_force, names
from core.commands.pairing import matched_count
from core.commands.programs import cadence_label
from core.context import Context
from core.messages import Attachment, Field, Reply
from core.model import Pair, PairStatus, Program, Role
from core.registry import Access, CommandSpec


@dataclass(frozen=True, slots=True)
class PairHealth:
    pair: Pair
    periods_due: int
    done: int
    partial: int
    missed: int
    last_checkin: date | None
    answered_this_period: int
    risk: str | None


async def pair_health(ctx: Context, pair: Pair, today: date) -> PairHealth:
    assert pair.id is not None
    agreement = await agreement_in_force(ctx, pair)
    if agreement is None:
        waited = (today - (pair.started_at or pair.created_at).date()).days
        risk = (
            f"no agreement after {waited} days"
            if pair.status is PairStatus.AGREEING and waited > 7
            else None
        )
        return PairHealth(pair, 0, 0, 0, 0, None, 0, risk)
    if pair.status is not PairStatus.ENDED:
        await settle_periods(
            ctx,
            pair,
            agreement,
            today,
            fill="paused" if pair.status is PairStatus.PAUSED else "missed",
        )
    checkins = await ctx.uow.checkins.of_pair(pair.id)
    closed = [c for c in checkins if c.status != "open"]
    last: date | None = None
    answered_now = 0
    current = agreement.period_of(today)
    for checkin in checkins:
        assert checkin.id is not None
        answers = await ctx.uow.answers.of_checkin(checkin.id)
        if answers:
            last = max(last or date.min, *(a.submitted_at.date() for a in answers))
        if checkin.period == current:
            answered_now = len(answers)
    missed = [c for c in closed if c.status == "missed"]
    trailing = 0
    for checkin in reversed(closed):
        if checkin.status == "paused":
            continue
        if checkin.status != "missed":
            break
        trailing += 1
    risk = None
    if pair.status is PairStatus.ACTIVE and today >= agreement.starts_on:
        since = (today - (last or agreement.starts_on)).days
        if trailing >= 2:
            risk = f"missed {trailing} check-ins in a row"
        elif since > agreement.cadence_days * 1.5:
            last_text = (
                f"last check-in {since} days ago" if last else f"no check-in in {since} days"
            )
            risk = f"agreed {cadence_label(agreement.cadence_days)}, {last_text}"
    return PairHealth(
        pair,
        len([c for c in closed if c.status != "paused"]),
        len([c for c in closed if c.status == "done"]),
        len([c for c in closed if c.status == "partial"]),
        len(missed),
        last,
        answered_now,
        risk,
    )


async def cmd_status(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program: Program = ctx.extra["program"]
    return [await status_reply(ctx, program, title=f"{program.name}: status")]


async def status_reply(ctx: Context, program: Program, *, title: str) -> Reply:
    """Pairs by state, this period's check-ins, risks, waiting mentees, free mentors."""
    assert program.id is not None
    today = ctx.now().date()
    pairs = await ctx.uow.pairs.of_program(program.id)
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.status.value] = counts.get(pair.status.value, 0) + 1
    active = [p for p in pairs if p.status is PairStatus.ACTIVE]
    health = [
        await pair_health(ctx, p, today)
        for p in pairs
        if p.status in (PairStatus.ACTIVE, PairStatus.AGREEING, PairStatus.PAUSED)
    ]
    answered = sum(h.answered_this_period for h in health if h.pair.status is PairStatus.ACTIVE)
    expected = 2 * len(active)
    completion = (
        f"{answered}/{expected} answers ({round(100 * answered / expected)}%)"
        if expected
        else "no active pairs"
    )
    risky = [h for h in health if h.risk]
    risk_lines = []
    for h in risky:
        label = " & ".join(await names(ctx, h.pair.mentor_id, h.pair.mentee_id))
        risk_lines.append(f"#{h.pair.id} {label}: {h.risk}")
    waiting = [
        e for e in await ctx.uow.enrollments.of_program(program.id, Role.MENTEE) if e.waiting_since
    ]
    waiting.sort(key=lambda e: (not e.rematch, e.waiting_since))
    waiting_lines = []
    for enrollment in waiting:
        assert enrollment.waiting_since is not None
        (name,) = await names(ctx, enrollment.person_id)
        days = (ctx.now() - enrollment.waiting_since).days
        waiting_lines.append(f"{name} ({days} d{', rematch' if enrollment.rematch else ''})")
    free_lines = []
    for enrollment in await ctx.uow.enrollments.of_program(program.id, Role.MENTOR):
        free = enrollment.capacity - await matched_count(ctx, program, enrollment.person_id)
        if free > 0:
            (name,) = await names(ctx, enrollment.person_id)
            free_lines.append(f"{name} ({free})")
    order = [s.value for s in PairStatus]
    by_state = (
        ", ".join(f"{state} {counts[state]}" for state in order if state in counts) or "none yet"
    )
    return Reply(
        "\n".join(risk_lines) if risk_lines else "No pair is at risk.",
        title=title,
        fields=(
            Field("Pairs", by_state),
            Field("Check-ins this period", completion),
            Field("At risk", str(len(risky))),
            Field("Waiting mentees", ", ".join(waiting_lines) or "none"),
            Field("Mentors with free places", ", ".join(free_lines) or "none"),
        ),
    )


EXPORT_COLUMNS = (
    "pair", "program", "mentor", "mentee", "status", "origin", "started", "ended",
    "end_reason", "periods_due", "checkins_done", "checkins_partial", "checkins_missed",
    "completion_pct", "last_checkin",
)  # fmt: skip


async def cmd_export(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program: Program = ctx.extra["program"]
    assert program.id is not None
    today = ctx.now().date()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    for pair in await ctx.uow.pairs.of_program(program.id):
        if not pair.status.was_matched:
            continue
        h = await pair_health(ctx, pair, today)
        mentor = await ctx.uow.people.get(pair.mentor_id)
        mentee = await ctx.uow.people.get(pair.mentee_id)
        completion = (
            round(100 * (h.done + 0.5 * h.partial) / h.periods_due) if h.periods_due else ""
        )
        writer.writerow(
            (
                pair.id,
                program.slug,
                mentor.handle if mentor else "",
                mentee.handle if mentee else "",
                pair.status.value,
                pair.origin,
                pair.started_at.date().isoformat() if pair.started_at else "",
                pair.ended_at.date().isoformat() if pair.ended_at else "",
                pair.end_reason,
                h.periods_due,
                h.done,
                h.partial,
                h.missed,
                completion,
                h.last_checkin.isoformat() if h.last_checkin else "",
            )
        )
        rows += 1
    return [
        Reply(
            f"{rows} pairs exported. The file has status and check-in completion only — "
            "no answers, goals or notes.",
            title=f"{program.name}: export",
            attachment=Attachment(f"{program.slug}-pairs-{today.isoformat()}.csv", out.getvalue()),
        )
    ]


def coordinator_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "status",
            "How a program is doing: pairs, check-ins, risks, waiting",
            cmd_status,
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
        CommandSpec(
            "export",
            "CSV of pairs and check-in completion (no private content)",
            cmd_export,
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
    ]
