"""`match`: a coordinator computes a draft of pairs for the whole pool, reviews it in chat
(weakest pairs first, or as a CSV), swaps, drops and locks pairs, and publishes it.

Computing only reads: the engine runs on what was read, off the event loop, and the draft
is stored afterwards in a short write of its own (Outcome.then). Nobody hears of a draft
until it is published; a publish reads the pool again and refuses a draft it no longer fits.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.commands.common import PROGRAM_ARG, person_by_ref
from core.context import Context
from core.errors import Conflict, InvalidInput, NotFound
from core.matching import CODES, PHRASES, LockRefused, feasible
from core.messages import Action, Attachment, Choice, ChoiceStyle, Field, Outcome, Reply
from core.model import DraftRow, MatchDraft, Matching, Program
from core.registry import Access, Arg, ArgKind, CommandSpec, ForCoordinators
from core.services.matching import (
    PoolRead,
    compute,
    publish,
    read_pool,
    rescore,
    store_draft,
    summary_of,
    what_changed,
)

PAGE = 10  # pairs per page of `match … show`
ACTIONS = ("stable", "show", "csv", "swap", "drop", "lock", "unlock", "publish")
READS = ("", "stable", "show", "csv")  # compute (then store) or look: no write lock needed
REASON_WORDS = {
    "paused": "paused",
    "already_paired": "already paired",
    "required_language": "don't speak the required language",
    "no_language": "no mentor with a free place speaks their language",
    "unavailable": "no mentor with a free place can be paired with them",
    "no_skill": "no mentor with a free place offers what they want to learn",
    "full": "every mentor who fits them is full",
}
assert set(REASON_WORDS) == set(CODES) == set(PHRASES)


async def cmd_match(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    action = args.get("action") or ""
    rest = str(args.get("rest") or "").split()
    if program.matching is Matching.REQUEST:
        raise Conflict(
            f"In {program.name} mentees choose their mentors (`mentors`, then `ask`).",
            hint=f"To pair people yourself: `configure {program.slug} matching suggest`.",
        )
    if action in ("", "stable"):
        return await _compute(ctx, program, stable=action == "stable")
    draft, rows = await _open_draft(ctx, program)
    if action == "show":
        return await _show(ctx, program, draft, rows, _page_number(rest))
    if action == "csv":
        return Outcome([await _csv_reply(ctx, program, draft, rows)])
    if action == "publish":
        return await _publish(ctx, program, draft, rows)
    return await _review(ctx, program, draft, rows, action, rest)


# --- computing a draft --------------------------------------------------------------------


async def _compute(ctx: Context, program: Program, *, stable: bool) -> Outcome:
    assert program.id is not None
    last = await ctx.uow.drafts.latest(program.id)
    locked: list[tuple[int, int]] = []
    if last is not None and last.status == "draft" and last.id is not None:
        locked = await ctx.uow.drafts.locked(last.id)
    read = await read_pool(ctx.uow, program, ctx.now(), locked=locked)
    if not read.pool.mentees:
        return Outcome([Reply(f"Nobody in {program.name} is waiting for a mentor.")])
    dropped = _unkeepable(read, locked)
    if dropped:
        read = replace(read, pool=replace(read.pool, locked=frozenset(locked) - dropped))
    try:
        result = await compute(read, stable=stable)
    except LockRefused as refused:  # the checks above keep this from happening
        raise Conflict(f"A locked pair can't be kept: {refused}") from refused
    me = ctx.my_id()

    async def store(later: Context) -> Outcome:
        draft, rows = await store_draft(later.uow, program, me, read, result, later.now())
        kept = (
            [
                Reply(
                    f"{len(dropped)} locked pair(s) couldn't be kept: one of the two stopped "
                    "waiting or has no place left, or a rule no longer allows the pair."
                )
            ]
            if dropped
            else []
        )
        return Outcome([_summary(program, draft, rows), *kept])

    return Outcome(then=store)


def _unkeepable(read: PoolRead, locked: list[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    """Locks of the last draft the pool can't keep now (someone left, or a rule says no)."""
    mentees = {m.person_id: m for m in read.pool.mentees}
    mentors = {m.person_id: m for m in read.pool.mentors}
    places: Counter[int] = Counter()
    out = set()
    for mentee_id, mentor_id in locked:
        mentee, mentor = mentees.get(mentee_id), mentors.get(mentor_id)
        if mentee is None or mentor is None or not feasible(mentee, mentor, read.pool):
            out.add((mentee_id, mentor_id))
            continue
        places[mentor_id] += 1
        if places[mentor_id] > mentor.room:
            out.add((mentee_id, mentor_id))
    return frozenset(out)


def _summary(program: Program, draft: MatchDraft, rows: list[DraftRow]) -> Reply:
    pairs = [r for r in rows if r.mentor_id is not None]
    waiting = [r for r in rows if r.mentor_id is None]
    mean, lowest = summary_of(rows)
    why = Counter(r.reason_code for r in waiting)
    locked = sum(r.locked for r in pairs)
    fields = [
        Field("Pairs", f"{len(pairs)} ({locked} locked)" if locked else str(len(pairs))),
        Field("Left waiting", str(len(waiting))),
    ]
    if why:
        fields.append(
            Field(
                "Why they wait",
                "; ".join(f"{n}: {REASON_WORDS[code]}" for code, n in why.most_common()),
            )
        )
    fields += [
        Field("Score", f"mean {mean:.2f}, lowest {lowest:.2f}" if pairs else "-"),
        Field(
            "How",
            "stable: no mentee and mentor would both rather be together"
            if draft.stable
            else "best total score, as many placed as possible",
        ),
        Field(
            "Took",
            f"{draft.seconds:.2f} s"
            + (f" (widened to {draft.k_used} candidates each)" if draft.widened else ""),
        ),
    ]
    slug = program.slug
    return Reply(
        f"Draft {draft.number} for {program.name}. Nobody has been told anything yet.\n"
        f"Review it weakest first with `match {slug} show`, or as a file with "
        f"`match {slug} csv`. Change it with `match {slug} swap @mentee @other`, "
        f"`match {slug} drop @mentee` and `match {slug} lock @mentee` (kept when you run "
        f"`match {slug}` again). Then `match {slug} publish`.",
        title=f"{program.name}: match draft {draft.number}",
        fields=tuple(fields),
        choices=(
            Choice("Review", Action.command("match", slug, "show").encode()),
            Choice(
                "Publish", Action.command("match", slug, "publish").encode(), ChoiceStyle.PRIMARY
            ),
        ),
    )


# --- looking at a draft ---------------------------------------------------------------------


async def _open_draft(ctx: Context, program: Program) -> tuple[MatchDraft, list[DraftRow]]:
    assert program.id is not None
    draft = await ctx.uow.drafts.latest(program.id)
    if draft is None or draft.status != "draft":
        done = f" Draft {draft.number} was published already." if draft is not None else ""
        raise NotFound(
            f"{program.name} has no draft to review.{done}",
            hint=f"Compute one with `match {program.slug}`.",
        )
    assert draft.id is not None
    return draft, await ctx.uow.drafts.rows(draft.id)


def _page_number(rest: list[str]) -> int:
    if not rest:
        return 1
    if len(rest) > 1 or not rest[0].isdigit() or int(rest[0]) < 1:
        raise InvalidInput(
            f"'{' '.join(rest)[:20]}' isn't a page number.", hint="Pages start at 1."
        )
    return int(rest[0])


async def _show(
    ctx: Context, program: Program, draft: MatchDraft, rows: list[DraftRow], page: int
) -> Outcome:
    """One page of pairs, weakest first (the ones worth a coordinator's look), and the first
    mentees left waiting: only their names are read, however big the draft."""
    pairs = sorted(
        (r for r in rows if r.mentor_id is not None), key=lambda r: (r.score, r.mentee_id)
    )
    pages = max(1, -(-len(pairs) // PAGE))
    if page > pages:
        raise InvalidInput(f"Draft {draft.number} has {pages} page(s) of pairs.")
    shown = pairs[(page - 1) * PAGE : page * PAGE]
    waiting = [r for r in rows if r.mentor_id is None]
    named = [*shown, *waiting[:PAGE]]
    names = await ctx.uow.views.names(
        {r.mentee_id for r in named} | {r.mentor_id for r in named if r.mentor_id is not None}
    )
    lines = [
        f"{r.score:.2f}  {names.get(r.mentee_id, '?')} with {names.get(r.mentor_id or 0, '?')}"
        + (" (locked)" if r.locked else "")
        + (f": {'; '.join(r.reasons)}" if r.reasons else "")
        for r in shown
    ]
    more = f"\nNext: `match {program.slug} show {page + 1}`" if page < pages else ""
    replies = [
        Reply(
            "\n".join(lines) + more if lines else "No pairs in this draft.",
            title=f"Draft {draft.number}, weakest first (page {page} of {pages})",
        )
    ]
    if waiting:
        left = [
            f"{names.get(r.mentee_id, '?')}: {REASON_WORDS[r.reason_code]}" for r in waiting[:PAGE]
        ]
        if len(waiting) > PAGE:
            left.append(f"… and {len(waiting) - PAGE} more (all in the CSV)")
        replies.append(Reply("\n".join(left), title="Left waiting"))
    return Outcome(replies)


async def _csv_reply(
    ctx: Context, program: Program, draft: MatchDraft, rows: list[DraftRow]
) -> Reply:
    assert program.id is not None
    handles = await ctx.uow.views.handles_of(
        {r.mentee_id for r in rows} | {r.mentor_id for r in rows if r.mentor_id is not None}
    )
    content = await asyncio.to_thread(_csv, rows, handles)
    return Reply(
        f"Draft {draft.number}: every proposed pair and every mentee left waiting.",
        title=f"{program.name}: match draft {draft.number}",
        attachment=Attachment(f"{program.slug}-match-draft-{draft.number}.csv", content),
    )


def _csv(rows: list[DraftRow], handles: dict[int, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("mentee", "mentor", "score", "locked", "reasons", "waiting_because"))
    for r in sorted(rows, key=lambda r: (r.mentor_id is None, r.score, r.mentee_id)):
        writer.writerow(
            (
                handles.get(r.mentee_id, ""),
                handles.get(r.mentor_id, "") if r.mentor_id is not None else "",
                f"{r.score:.4f}" if r.mentor_id is not None else "",
                "yes" if r.locked else "",
                "; ".join(r.reasons),
                REASON_WORDS.get(r.reason_code, "") if r.mentor_id is None else "",
            )
        )
    return out.getvalue()


# --- changing a draft -----------------------------------------------------------------------


async def _review(
    ctx: Context,
    program: Program,
    draft: MatchDraft,
    rows: list[DraftRow],
    action: str,
    rest: list[str],
) -> Outcome:
    wants = 2 if action == "swap" else 1
    if len(rest) != wants:
        example = "@mentee @other" if action == "swap" else "@mentee"
        raise InvalidInput(f"Say who: `match {program.slug} {action} {example}`.")
    people = [await person_by_ref(ctx, ref) for ref in rest]
    by_mentee = {r.mentee_id: r for r in rows}
    first = by_mentee.get(people[0].id or 0)
    if first is None:
        raise NotFound(f"{people[0].name} isn't among the mentees of draft {draft.number}.")
    changed: list[DraftRow]
    if action in ("lock", "unlock"):
        if first.mentor_id is None:
            raise Conflict(f"{people[0].name} has no pair in this draft to {action}.")
        changed = [replace(first, locked=action == "lock")]
        said = f"{'Locked' if action == 'lock' else 'Unlocked'} {people[0].name}'s pair."
    elif action == "drop":
        if first.mentor_id is None:
            raise Conflict(f"{people[0].name} has no pair in this draft.")
        changed = [
            replace(
                first, mentor_id=None, score=0.0, reasons=(), locked=False,
                reason_code="unavailable", phrase=PHRASES["unavailable"],
            )
        ]  # fmt: skip
        said = f"Dropped {people[0].name}'s pair: they stay waiting."
    else:
        changed, said = await _swap(ctx, program, rows, first, people[1].id or 0)
    await ctx.uow.drafts.save_rows(changed)
    after = {r.mentee_id: r for r in rows} | {r.mentee_id: r for r in changed}
    mean, lowest = summary_of(list(after.values()))
    return Outcome(
        [
            Reply(
                f"{said} Draft {draft.number} now scores mean {mean:.2f}, lowest {lowest:.2f}.",
                title=f"{program.name}: match draft {draft.number}",
            )
        ]
    )


async def _swap(
    ctx: Context, program: Program, rows: list[DraftRow], first: DraftRow, other_id: int
) -> tuple[list[DraftRow], str]:
    """Swap two mentees' mentors, or give a mentee to a mentor with a free place. Every
    hard rule holds for the new pairs; a block is never named."""
    read = await read_pool(ctx.uow, program, ctx.now())
    by_mentee = {r.mentee_id: r for r in rows}
    names = await ctx.uow.views.names({first.mentee_id, other_id})
    second = by_mentee.get(other_id)
    if second is not None:
        if first.mentor_id is None and second.mentor_id is None:
            raise Conflict("Neither of them has a pair in this draft.")
        changed = [
            replace(first, mentor_id=second.mentor_id, locked=False),
            replace(second, mentor_id=first.mentor_id, locked=False),
        ]
    else:
        mentor = next((m for m in read.pool.mentors if m.person_id == other_id), None)
        if mentor is None:
            raise NotFound(
                f"{names.get(other_id, 'They')} is neither a mentee of this draft nor a mentor "
                "with a free place."
            )
        used = sum(1 for r in rows if r.mentor_id == other_id and r.mentee_id != first.mentee_id)
        if used >= mentor.room:
            raise Conflict(f"{names[other_id]} has no free place left in this draft.")
        changed = [replace(first, mentor_id=other_id, locked=False)]
    mentees = {m.person_id: m for m in read.pool.mentees}
    mentors = {m.person_id: m for m in read.pool.mentors}
    out = []
    for row in changed:
        if row.mentor_id is None:
            out.append(
                replace(
                    row, score=0.0, reasons=(), reason_code="unavailable",
                    phrase=PHRASES["unavailable"],
                )
            )  # fmt: skip
            continue
        mentee, mentor = mentees.get(row.mentee_id), mentors.get(row.mentor_id)
        if mentee is None or mentor is None or not feasible(mentee, mentor, read.pool):
            raise Conflict("That pairing isn't possible.")
        out.append(replace(rescore(read, row), reason_code="", phrase=""))
    return out, f"Swapped: {names[first.mentee_id]} has a new mentor."


# --- publishing ----------------------------------------------------------------------------


async def _publish(
    ctx: Context, program: Program, draft: MatchDraft, rows: list[DraftRow]
) -> Outcome:
    read = await read_pool(ctx.uow, program, ctx.now())
    changed = what_changed(draft, read)
    if changed is not None:
        raise Conflict(
            f"Draft {draft.number} is out of date: {changed}. Nothing was published.",
            hint=f"Compute a new one with `match {program.slug}`; locked pairs are kept.",
        )
    made, waiting, notices = await publish(ctx.uow, program, draft, rows, read, ctx.now())
    return Outcome(
        [
            Reply(
                f"Published draft {draft.number}: {made} pairs are introduced, each told why "
                f"they were matched, and asked to agree on expectations. {waiting} mentee(s) "
                "left waiting were told why; they come first next time.",
                title=f"{program.name}: pairs made",
            )
        ],
        notices,
    )


def match_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "match",
            "Pair a whole program: a draft to review, then publish",
            ForCoordinators(cmd_match),
            args=(
                PROGRAM_ARG,
                Arg("action", ArgKind.CHOICE, "what to do", required=False, choices=ACTIONS),
                Arg("rest", ArgKind.TEXT, "who, or a page", required=False, rest=True),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
            examples=(
                "match design-2026",
                "match design-2026 show 2",
                "match design-2026 swap @mia @tom",
                "match design-2026 publish",
            ),
            details=(
                "match <program>: a draft for everyone waiting (best total score)",
                "match <program> stable: a draft no mentee and mentor would both rather leave",
                "show [page]: the pairs, weakest first; csv: all of it as a file",
                "swap @mentee @other: swap two mentees' mentors, or give a mentee to a "
                "mentor with a free place",
                "drop @mentee: take a pair out; lock @mentee / unlock @mentee: keep a pair "
                "when you run match again",
                "publish: make the pairs and introduce them; nobody hears of a draft before",
            ),
            reads_when=lambda text: _action_of(text) in READS,
            whole_program=True,
        ),
    ]


def _action_of(text: str) -> str:
    words = text.split()
    return words[1].lower() if len(words) > 1 else ""
