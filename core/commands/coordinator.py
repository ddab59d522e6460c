"""The coordinator's view in chat: status and a CSV export. Aggregates only, never content.

Both only read: see core/services/health.py.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping
from typing import Any

from core.commands.common import PROGRAM_ARG
from core.context import Context
from core.i18n import N_, _, n_
from core.messages import Attachment, Outcome, Reply
from core.model import Program
from core.registry import Access, CommandSpec, ForCoordinators
from core.services.health import PairHealth, pairs_health, program_status


async def cmd_status(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    return Outcome(
        [
            await program_status(
                ctx.uow,
                ctx.now(),
                program,
                # Translators: a title: how the program is doing.
                title=_("{program}: status", program=program.name),
            )
        ]
    )


EXPORT_COLUMNS = (
    "pair", "program", "mentor", "mentee", "status", "origin", "started", "ended",
    "end_reason", "periods_due", "checkins_done", "checkins_partial", "checkins_missed",
    "completion_pct", "last_checkin", "risk",
)  # fmt: skip


async def cmd_export(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    assert program.id is not None
    today = ctx.now().date()
    matched = [p for p in await ctx.uow.views.pairs(program.id) if p.status.was_matched]
    health = await pairs_health(ctx.uow, program, matched, today)
    handles = await ctx.uow.views.handles(program.id)
    content = await asyncio.to_thread(_csv, program, health, handles)  # off the event loop
    return Outcome(
        [
            Reply(
                n_(
                    "{count} pair exported. The file has status and check-in completion only — "
                    "no answers, goals or notes.",
                    "{count} pairs exported. The file has status and check-in completion only — "
                    "no answers, goals or notes.",
                    len(health),
                ),
                # Translators: a title: the file of the program's pairs.
                title=_("{program}: export", program=program.name),
                attachment=Attachment(f"{program.slug}-pairs-{today.isoformat()}.csv", content),
            )
        ]
    )


def _csv(program: Program, health: list[PairHealth], handles: dict[int, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for h in health:
        pair = h.pair
        completion = (
            round(100 * (h.done + 0.5 * h.partial) / h.periods_due) if h.periods_due else ""
        )
        writer.writerow(
            (
                pair.id,
                program.slug,
                handles.get(pair.mentor_id, ""),
                handles.get(pair.mentee_id, ""),
                pair.status.value,
                pair.origin,
                pair.started_at.date().isoformat() if pair.started_at else "",
                pair.ended_at.date().isoformat() if pair.ended_at else "",
                inert(pair.end_reason),
                h.periods_due,
                h.done,
                h.partial,
                h.missed,
                completion,
                h.last_checkin.isoformat() if h.last_checkin else "",
                h.risk or "",
            )
        )
    return out.getvalue()


def inert(text: str) -> str:
    """Text a person typed, made inert for spreadsheets: a cell starting with = + - @ (or a
    tab or carriage return) would run as a formula when the file is opened."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def coordinator_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "status",
            N_("How a program is doing: pairs, check-ins, risks, waiting"),
            ForCoordinators(cmd_status),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
            reads_only=True,
            whole_program=True,
        ),
        CommandSpec(
            "export",
            N_("CSV of pairs and check-in completion (no private content)"),
            ForCoordinators(cmd_export),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
            reads_only=True,
            whole_program=True,
        ),
    ]
