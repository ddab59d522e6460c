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
from core.i18n import ENGLISH, N_, _, n_, number, said, translate
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
# Why mentees are left waiting, as a coordinator reads it (said in their language; the
# CSV keeps the English, a file for tools).
REASON_WORDS = {
    # Translators: why mentees are left waiting: they paused
    "paused": N_("paused"),
    "already_paired": N_("already paired"),
    "required_language": N_("don't speak the required language"),
    "no_language": N_("no mentor with a free place speaks their language"),
    "unavailable": N_("no mentor with a free place can be paired with them"),
    "no_skill": N_("no mentor with a free place offers what they want to learn"),
    "full": N_("every mentor who fits them is full"),
}
assert set(REASON_WORDS) == set(CODES) == set(PHRASES)


async def cmd_match(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    action = args.get("action") or ""
    rest = str(args.get("rest") or "").split()
    if program.matching is Matching.REQUEST:
        raise Conflict(
            _(
                "In {program} mentees choose their mentors (`mentors`, then `ask`).",
                program=program.name,
            ),
            hint=_(
                "To pair people yourself: `configure {slug} matching suggest`.", slug=program.slug
            ),
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
        return Outcome(
            [Reply(_("Nobody in {program} is waiting for a mentor.", program=program.name))]
        )
    dropped = _unkeepable(read, locked)
    if dropped:
        read = replace(read, pool=replace(read.pool, locked=frozenset(locked) - dropped))
    try:
        result = await compute(read, stable=stable)
    except LockRefused as refused:  # the checks above keep this from happening
        raise Conflict(_("A locked pair can't be kept: {why}", why=str(refused))) from refused
    me = ctx.my_id()

    async def store(later: Context) -> Outcome:
        draft, rows = await store_draft(later.uow, program, me, read, result, later.now())
        kept = (
            [
                Reply(
                    n_(
                        "{count} locked pair couldn't be kept: one of the two stopped waiting "
                        "or has no place left, or a rule no longer allows the pair.",
                        "{count} locked pairs couldn't be kept: one of the two stopped waiting "
                        "or has no place left, or a rule no longer allows the pair.",
                        len(dropped),
                    )
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
    paired = (
        n_("{pairs} ({count} locked)", "{pairs} ({count} locked)", locked, pairs=number(len(pairs)))
        if locked
        else number(len(pairs))
    )
    fields = [
        Field(_("Pairs"), paired),
        Field(_("Left waiting"), number(len(waiting))),
    ]
    if why:
        fields.append(
            Field(
                _("Why they wait"),
                "; ".join(
                    f"{number(n)}: {said(REASON_WORDS[code])}" for code, n in why.most_common()
                ),
            )
        )
    mean_shown, lowest_shown = f"{mean:.2f}", f"{lowest:.2f}"
    score = _("mean {mean}, lowest {lowest}", mean=mean_shown, lowest=lowest_shown)
    if draft.stable:
        how = _("stable: no mentee and mentor would both rather be together")
    else:
        how = _("best total score, as many placed as possible")
    seconds = f"{draft.seconds:.2f}"
    if draft.widened:
        took = n_(
            "{seconds} s (widened to {count} candidate each)",
            "{seconds} s (widened to {count} candidates each)",
            draft.k_used,
            seconds=seconds,
        )
    else:
        # Translators: how long computing took, in seconds
        took = _("{seconds} s", seconds=seconds)
    fields += [
        Field(_("Score"), score if pairs else "-"),
        # Translators: a field label: how the draft was computed
        Field(_("How"), how),
        # Translators: a field label: how long computing the draft took
        Field(_("Took"), took),
    ]
    slug = program.slug
    told = _(
        "Draft {number} for {program}. Nobody has been told anything yet.",
        number=draft.number,
        program=program.name,
    )
    review = _(
        "Review it weakest first with `match {slug} show`, or as a file with "
        "`match {slug} csv`. Change it with `match {slug} swap @mentee @other`, "
        "`match {slug} drop @mentee` and `match {slug} lock @mentee` (kept when you run "
        "`match {slug}` again). Then `match {slug} publish`.",
        slug=slug,
    )
    return Reply(
        f"{told}\n{review}",
        title=_draft_title(program, draft),
        fields=tuple(fields),
        choices=(
            # Translators: a button showing the draft's pairs
            Choice(_("Review"), Action.command("match", slug, "show").encode()),
            Choice(
                # Translators: a button publishing the draft: the pairs are made
                _("Publish"),
                Action.command("match", slug, "publish").encode(),
                ChoiceStyle.PRIMARY,
            ),
        ),
    )


def _draft_title(program: Program, draft: MatchDraft) -> str:
    return _("{program}: match draft {number}", program=program.name, number=draft.number)


# --- looking at a draft ---------------------------------------------------------------------


async def _open_draft(ctx: Context, program: Program) -> tuple[MatchDraft, list[DraftRow]]:
    assert program.id is not None
    draft = await ctx.uow.drafts.latest(program.id)
    if draft is None or draft.status != "draft":
        if draft is None:
            nothing = _("{program} has no draft to review.", program=program.name)
        else:
            nothing = _(
                "{program} has no draft to review. Draft {number} was published already.",
                program=program.name,
                number=draft.number,
            )
        raise NotFound(nothing, hint=_("Compute one with `match {slug}`.", slug=program.slug))
    assert draft.id is not None
    return draft, await ctx.uow.drafts.rows(draft.id)


def _page_number(rest: list[str]) -> int:
    if not rest:
        return 1
    if len(rest) > 1 or not rest[0].isdigit() or int(rest[0]) < 1:
        raise InvalidInput(
            _("'{typed}' isn't a page number.", typed=" ".join(rest)[:20]),
            hint=_("Pages start at 1."),
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
        raise InvalidInput(
            n_(
                "Draft {number} has {count} page of pairs.",
                "Draft {number} has {count} pages of pairs.",
                pages,
                number=draft.number,
            )
        )
    shown = pairs[(page - 1) * PAGE : page * PAGE]
    waiting = [r for r in rows if r.mentor_id is None]
    named = [*shown, *waiting[:PAGE]]
    names = await ctx.uow.views.names(
        {r.mentee_id for r in named} | {r.mentor_id for r in named if r.mentor_id is not None}
    )
    lines = [
        _pair_line(r, names) + (f": {'; '.join(r.reasons)}" if r.reasons else "") for r in shown
    ]
    more = (
        "\n" + _("Next: `match {slug} show {page}`", slug=program.slug, page=page + 1)
        if page < pages
        else ""
    )
    replies = [
        Reply(
            "\n".join(lines) + more if lines else _("No pairs in this draft."),
            title=_(
                "Draft {number}, weakest first (page {page} of {pages})",
                number=draft.number,
                page=page,
                pages=pages,
            ),
        )
    ]
    if waiting:
        left = [
            f"{names.get(r.mentee_id, '?')}: {said(REASON_WORDS[r.reason_code])}"
            for r in waiting[:PAGE]
        ]
        if len(waiting) > PAGE:
            beyond = len(waiting) - PAGE
            left.append(
                n_(
                    "… and {count} more (all in the CSV)",
                    "… and {count} more (all in the CSV)",
                    beyond,
                )
            )
        replies.append(Reply("\n".join(left), title=_("Left waiting")))
    return Outcome(replies)


def _pair_line(row: DraftRow, names: Mapping[int, str]) -> str:
    score = f"{row.score:.2f}"
    mentee, mentor = names.get(row.mentee_id, "?"), names.get(row.mentor_id or 0, "?")
    if row.locked:
        # Translators: a line of the draft: score, then who is paired with whom
        return _(
            "{score}  {mentee} with {mentor} (locked)", score=score, mentee=mentee, mentor=mentor
        )
    # Translators: a line of the draft: score, then who is paired with whom
    return _("{score}  {mentee} with {mentor}", score=score, mentee=mentee, mentor=mentor)


async def _csv_reply(
    ctx: Context, program: Program, draft: MatchDraft, rows: list[DraftRow]
) -> Reply:
    assert program.id is not None
    handles = await ctx.uow.views.handles_of(
        {r.mentee_id for r in rows} | {r.mentor_id for r in rows if r.mentor_id is not None}
    )
    content = await asyncio.to_thread(_csv, rows, handles)
    return Reply(
        _(
            "Draft {number}: every proposed pair and every mentee left waiting.",
            number=draft.number,
        ),
        title=_draft_title(program, draft),
        attachment=Attachment(f"{program.slug}-match-draft-{draft.number}.csv", content),
    )


def _csv(rows: list[DraftRow], handles: dict[int, str]) -> str:
    """A file for tools as much as people: its words stay English, like its column names
    (and a message token inside a quoted cell would not survive the quoting)."""
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
                translate("; ".join(r.reasons), ENGLISH),  # a cell: no message tokens
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
        if action == "swap":
            who = _("Say who: `match {slug} swap @mentee @other`.", slug=program.slug)
        else:
            who = _("Say who: `match {slug} {action} @mentee`.", slug=program.slug, action=action)
        raise InvalidInput(who)
    people = [await person_by_ref(ctx, ref) for ref in rest]
    name = people[0].name
    by_mentee = {r.mentee_id: r for r in rows}
    first = by_mentee.get(people[0].id or 0)
    if first is None:
        raise NotFound(
            _("{name} isn't among the mentees of draft {number}.", name=name, number=draft.number)
        )
    changed: list[DraftRow]
    if action in ("lock", "unlock"):
        if first.mentor_id is None:
            if action == "lock":
                raise Conflict(_("{name} has no pair in this draft to lock.", name=name))
            raise Conflict(_("{name} has no pair in this draft to unlock.", name=name))
        changed = [replace(first, locked=action == "lock")]
        if action == "lock":
            done = _("Locked {name}'s pair.", name=name)
        else:
            done = _("Unlocked {name}'s pair.", name=name)
    elif action == "drop":
        if first.mentor_id is None:
            raise Conflict(_("{name} has no pair in this draft.", name=name))
        changed = [
            replace(
                first, mentor_id=None, score=0.0, reasons=(), locked=False,
                reason_code="unavailable", phrase=PHRASES["unavailable"],
            )
        ]  # fmt: skip
        done = _("Dropped {name}'s pair: they stay waiting.", name=name)
    else:
        changed, done = await _swap(ctx, program, rows, first, people[1].id or 0)
    await ctx.uow.drafts.save_rows(changed)
    after = {r.mentee_id: r for r in rows} | {r.mentee_id: r for r in changed}
    mean, lowest = summary_of(list(after.values()))
    mean_shown, lowest_shown = f"{mean:.2f}", f"{lowest:.2f}"
    scores = _(
        "Draft {number} now scores mean {mean}, lowest {lowest}.",
        number=draft.number,
        mean=mean_shown,
        lowest=lowest_shown,
    )
    return Outcome([Reply(f"{done} {scores}", title=_draft_title(program, draft))])


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
            raise Conflict(_("Neither of them has a pair in this draft."))
        changed = [
            replace(first, mentor_id=second.mentor_id, locked=False),
            replace(second, mentor_id=first.mentor_id, locked=False),
        ]
    else:
        mentor = next((m for m in read.pool.mentors if m.person_id == other_id), None)
        if mentor is None and other_id in names:
            raise NotFound(
                _(
                    "{name} is neither a mentee of this draft nor a mentor with a free place.",
                    name=names[other_id],
                )
            )
        if mentor is None:
            raise NotFound(
                _("They are neither a mentee of this draft nor a mentor with a free place.")
            )
        used = sum(1 for r in rows if r.mentor_id == other_id and r.mentee_id != first.mentee_id)
        if used >= mentor.room:
            raise Conflict(_("{name} has no free place left in this draft.", name=names[other_id]))
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
            raise Conflict(_("That pairing isn't possible."))
        out.append(replace(rescore(read, row), reason_code="", phrase=""))
    return out, _("Swapped: {name} has a new mentor.", name=names[first.mentee_id])


# --- publishing ----------------------------------------------------------------------------


async def _publish(
    ctx: Context, program: Program, draft: MatchDraft, rows: list[DraftRow]
) -> Outcome:
    read = await read_pool(ctx.uow, program, ctx.now())
    changed = what_changed(draft, read)
    if changed is not None:
        raise Conflict(
            _(
                "Draft {number} is out of date: {change}. Nothing was published.",
                number=draft.number,
                change=changed,
            ),
            hint=_(
                "Compute a new one with `match {slug}`; locked pairs are kept.", slug=program.slug
            ),
        )
    made, waiting, notices = await publish(ctx.uow, program, draft, rows, read, ctx.now())
    introduced = n_(
        "Published draft {number}: {count} pair is introduced, told why they were matched, "
        "and asked to agree on expectations.",
        "Published draft {number}: {count} pairs are introduced, each told why they were "
        "matched, and asked to agree on expectations.",
        made,
        number=draft.number,
    )
    left = n_(
        "{count} mentee left waiting was told why; they come first next time.",
        "{count} mentees left waiting were told why; they come first next time.",
        waiting,
    )
    return Outcome(
        [Reply(f"{introduced} {left}", title=_("{program}: pairs made", program=program.name))],
        notices,
    )


def match_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "match",
            N_("Pair a whole program: a draft to review, then publish"),
            ForCoordinators(cmd_match),
            args=(
                PROGRAM_ARG,
                Arg("action", ArgKind.CHOICE, N_("what to do"), required=False, choices=ACTIONS),
                Arg("rest", ArgKind.TEXT, N_("who, or a page"), required=False, rest=True),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
            examples=(
                "match design-2026",
                "match design-2026 show 2",
                "match design-2026 swap @mia @tom",
                "match design-2026 publish",
            ),
            details=(
                # Translators: each line starts with a command and its arguments, typed as is
                N_("match <program>: a draft for everyone waiting (best total score)"),
                N_("match <program> stable: a draft no mentee and mentor would both rather leave"),
                N_("show [page]: the pairs, weakest first; csv: all of it as a file"),
                N_(
                    "swap @mentee @other: swap two mentees' mentors, or give a mentee to a "
                    "mentor with a free place"
                ),
                N_(
                    "drop @mentee: take a pair out; lock @mentee / unlock @mentee: keep a pair "
                    "when you run match again"
                ),
                N_("publish: make the pairs and introduce them; nobody hears of a draft before"),
            ),
            reads_when=lambda text: _action_of(text) in READS,
            whole_program=True,
        ),
    ]


def _action_of(text: str) -> str:
    words = text.split()
    return words[1].lower() if len(words) > 1 else ""
