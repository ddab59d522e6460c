"""Making pairs: mentors, ask, accept, decline, assign, suggest, block, unblock, pairs.

The pairing rules themselves live in core/services/pairing.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core import matching  # the engine (numpy) loads on first use, not at import
from core.commands.common import (
    PROGRAM_ARG,
    PROGRAM_OPT,
    enrollment_of,
    my_program,
    names,
    pair_label,
    person_by_ref,
)
from core.context import Context
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.i18n import N_, _, n_, number
from core.identity import Person
from core.matching import (
    Pool,
    Proposed,
    Rules,
    feasible,
    score_pair,
    time_difference,
)
from core.messages import Action, Choice, ChoiceStyle, Field, Notice, Outcome, Reply
from core.model import Block, Matching, Pair, PairStatus, Program, Role
from core.ports import Seat
from core.registry import Access, Arg, ArgKind, CommandSpec, ForCoordinators
from core.services.matching import (
    compute,
    match_moment,
    mentee_in,
    mentor_in,
    read_pool,
    weights_of,
)
from core.services.pairing import (
    pairing_problem,
    pass_on,
    problem_between,
    send_request,
    start_pair,
    tell_coordinators,
)

SHOWN_MENTORS = 10  # best fits a mentee sees
SHOWN_SUGGESTIONS = 10  # mentees first in line that `suggest` pairs up in one go
SHOWN_REASONS = 3  # why one waiting mentee can't be suggested anyone: the first few

# --- commands ----------------------------------------------------------------------------


async def cmd_mentors(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    """Mentors with a free place this mentee may ask, ranked by the same score `match`
    uses, each with why they fit and the true time difference."""
    program = await my_program(ctx, args, Role.MENTEE)
    assert program.id is not None
    if program.matching is not Matching.REQUEST:
        raise coordinators_pair(program)
    me = ctx.me()
    mine = await ctx.uow.enrollments.find(program.id, ctx.my_id(), Role.MENTEE)
    if mine is None:
        raise NotAllowed(
            _(
                "Join {program} as a mentee first: `enroll {slug} mentee`.",
                program=program.name,
                slug=program.slug,
            )
        )
    my_pairs = [p for p in await ctx.uow.pairs.of_person(ctx.my_id()) if p.program_id == program.id]
    blocks = await ctx.uow.views.blocks_in(program.id)
    now = ctx.now()  # one moment for every candidate (and one zone lookup each)
    allowed: list[Seat] = []
    with_room = 0
    reasons: list[str] = []  # why a mentor with a free place can't take me
    for seat in await ctx.uow.views.seats(program.id, Role.MENTOR, with_room=True):
        mentor, enrollment = seat.person, seat.enrollment
        if mentor.id == me.id or enrollment.capacity <= seat.open_pairs:
            continue
        with_room += 1
        problem = problem_between(
            program,
            now,
            mentor,
            enrollment,
            seat.open_pairs,
            me,
            mine,
            my_pairs,
            frozenset((mentor.id, me.id)) in blocks,
        )
        if problem is not None:  # a block reads as any other unavailability
            reasons.append(problem)
            continue
        allowed.append(seat)
    mentee = mentee_in(Seat(me, mine, 0))
    pool = Pool(
        mentees=(mentee,),
        mentors=tuple(mentor_in(seat) for seat in allowed),
        at=match_moment(program, now),
        rules=Rules(required_language=program.match_language or None),
        weights=weights_of(program),
    )
    fitting = [m for m in pool.mentors if feasible(mentee, m, pool)]
    ranked = matching.rank_mentors(pool, mentee, limit=SHOWN_MENTORS) if fitting else []
    # Mentors who list no language in common come last, not never: people often speak
    # more than they listed. `match` never pairs them; a program requiring one shows none.
    fit_ids = {m.person_id for m in fitting}
    others = (
        [] if program.match_language else [m for m in pool.mentors if m.person_id not in fit_ids]
    )
    if not ranked and not others:
        if allowed:  # they have room and no rule forbids them, but can't talk with me
            reasons.append(_no_shared_language(program))
        return Outcome([Reply(_nobody_for_me(program, with_room, reasons))])
    room_left = SHOWN_MENTORS - len(ranked)  # only score the others if any will show
    scored = (
        [(score_pair(mentee, m, pool.weights, pool.at), m) for m in others] if room_left else []
    )
    scored.sort(key=lambda item: (-item[0].score, item[1].person_id))
    ranked += [
        Proposed(mentee.person_id, m.person_id, s.score, s.reasons) for s, m in scored[:room_left]
    ]
    seats = {seat.person.id: seat for seat in allowed}
    cards = [
        _mentor_card(program, seats[p.mentor_id], p, me, pool.at, shared=i < len(fitting))
        for i, p in enumerate(ranked)
    ]
    intro = Reply(
        _(
            "Mentors with free places in {program}, best fit first. Ask one, or list "
            "several in order: `ask @first @second` — if one can't, I ask the next.",
            program=program.name,
        ),
        title=_("Mentors"),
    )
    unshown = len(fitting) + len(others) - len(ranked)
    more = (
        [
            Reply(
                n_(
                    "… and {count} more with a free place.",
                    "… and {count} more with a free place.",
                    unshown,
                )
            )
        ]
        if unshown > 0
        else []
    )
    return Outcome([intro, *cards, *more])


def _no_shared_language(program: Program) -> str:
    if program.match_language:
        return _(
            "Pairs in {program} must share {language}.",
            program=program.name,
            language=program.match_language,
        )
    return _("None of them speaks a language you listed in your profile.")


def _mentor_card(
    program: Program, seat: Seat, match: Proposed, me: Person, at: datetime, *, shared: bool
) -> Reply:
    mentor, enrollment = seat.person, seat.enrollment
    free = enrollment.capacity - seat.open_pairs
    languages = ", ".join(mentor.languages)
    if not shared:
        languages = _("{languages} (none in common with yours)", languages=languages)
    return Reply(
        f"@{mentor.handle}",
        title=mentor.name,
        fields=(
            Field(_("Helps with"), ", ".join(enrollment.skills)),
            # Translators: a field label: why this mentor fits
            Field(_("Why"), "; ".join(match.reasons) or "-"),
            Field(_("Languages"), languages),
            # Translators: a field label: the time difference to the mentor
            Field(_("Time"), time_difference(mentor.timezone, me.timezone, at)),
            Field(_("Free places"), number(free)),
        ),
        choices=(
            Choice(
                # Translators: a button asking this mentor to mentor you
                _("Ask {name}", name=mentor.name[:30]),
                Action.command("ask", f"#{mentor.id}", f"program=#{program.id}").encode(),
            ),
        ),
    )


def _nobody_for_me(program: Program, with_room: int, reasons: list[str]) -> str:
    """The real reason a mentee sees no mentor: nobody has room, or why those who do can't."""
    if not with_room:
        return _(
            "No mentor in {program} has a free place right now. Try again later.",
            program=program.name,
        )
    if not reasons:
        return _(
            "No mentor in {program} can take you right now. Try again later.",
            program=program.name,
        )
    distinct = list(dict.fromkeys(reasons))
    why = "\n".join(f"- {reason}" for reason in distinct[:SHOWN_REASONS])
    if len(distinct) > SHOWN_REASONS:
        unshown = len(distinct) - SHOWN_REASONS
        why += "\n- " + n_("… and {count} more", "… and {count} more", unshown)
    nobody = _("No mentor in {program} can take you right now:", program=program.name)
    return f"{nobody}\n{why}"


def coordinators_pair(program: Program) -> NotAllowed:
    """What a mentee hears in a program where coordinators make the pairs."""
    return NotAllowed(
        _(
            "In {program} coordinators pair people, so there's no asking: you're in line, "
            "and I'll tell you as soon as you have a mentor.",
            program=program.name,
        )
    )


async def cmd_ask(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await my_program(ctx, args, Role.MENTEE)
    if program.matching is not Matching.REQUEST:
        raise coordinators_pair(program)
    me = ctx.me()
    await enrollment_of(ctx, program, ctx.my_id(), Role.MENTEE)
    refs = str(args["mentors"]).split()
    if len(refs) > 5:
        raise InvalidInput(_("List at most 5 mentors, in order of preference."))
    chosen: list[int] = []
    for ref in refs:
        mentor = await person_by_ref(ctx, ref)
        assert mentor.id is not None
        problem = await pairing_problem(ctx.work, program, mentor, me)
        if problem is not None:
            raise Conflict(problem)  # a block reads as any other unavailability
        chosen.append(mentor.id)
    pair, notices = await send_request(ctx.work, program, me, chosen)
    assert pair is not None
    (mentor_name,) = await names(ctx, pair.mentor_id)
    # send_request keeps the mentors still in line on the request itself
    asked = n_(
        "I've asked {name}. They have {count} hour to answer.",
        "I've asked {name}. They have {count} hours to answer.",
        program.request_expiry_hours,
        name=mentor_name,
    )
    if pair.next_choices:
        queued = n_(
            "If they can't, I'll ask the next on your list ({count} more).",
            "If they can't, I'll ask the next on your list ({count} more).",
            len(pair.next_choices),
        )
        asked = f"{asked} {queued}"
    sent = Reply(asked, title=_("Request sent"))
    return Outcome([sent], notices)


async def _awaiting_for_me(ctx: Context, args: Mapping[str, Any]) -> Pair:
    pair = await ctx.uow.pairs.get(int(args["pair"]))
    if pair is None or pair.mentor_id != ctx.my_id():
        raise NotFound(_("That request isn't addressed to you."))
    if pair.status is not PairStatus.AWAITING:
        raise Conflict(_what_became_of(pair))
    return pair


def _what_became_of(request: Pair) -> str:
    """A request that was answered already, in the mentor's words."""
    if request.status is PairStatus.DECLINED:
        return _("You declined that request earlier; nothing changed.")
    if request.status is PairStatus.EXPIRED:
        return _("That request expired and went to the mentee's next choice; nothing changed.")
    assert request.id is not None
    return _(
        "You accepted that request already: it's pair #{pair}; nothing changed.", pair=request.id
    )


async def cmd_accept(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await _awaiting_for_me(ctx, args)
    program = await ctx.uow.programs.get(pair.program_id)
    mentor, mentee = (
        await ctx.uow.people.get(pair.mentor_id),
        await ctx.uow.people.get(pair.mentee_id),
    )
    assert program is not None and mentor is not None and mentee is not None
    problem = await pairing_problem(ctx.work, program, mentor, mentee, ignore_pair=pair.id)
    if problem is not None:
        raise Conflict(problem)
    notices = await start_pair(ctx.work, pair)
    # One message for the mentor: the acceptance and the pair's first step together.
    (first_step,) = (n.reply for n in notices if n.person_id == mentor.id)
    told = _("You accepted {name}. I've told them.", name=mentee.name)
    accepted = Reply(
        f"{told}\n{first_step.text}",
        title=_("Request accepted"),
        choices=first_step.choices,
    )
    return Outcome([accepted], [n for n in notices if n.person_id != mentor.id])


async def cmd_decline(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await _awaiting_for_me(ctx, args)
    pair.status = PairStatus.DECLINED
    await ctx.uow.pairs.save(pair)
    (mentor,) = await names(ctx, pair.mentor_id)
    notices = await pass_on(
        ctx.work, pair, _("{name} can't take a new mentee right now.", name=mentor)
    )
    declined = Reply(
        _("Declined. The mentee gets a kind note and is passed on; no reason is shared.")
    )
    return Outcome([declined], notices)


async def cmd_assign(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    assert program.id is not None
    mentee = await person_by_ref(ctx, args["mentee"])
    mentor = await person_by_ref(ctx, args["mentor"])
    force = args.get("force") == "force"
    problem = await pairing_problem(ctx.work, program, mentor, mentee, force=force)
    if problem is not None:
        hint = _("Add `force` to pair them again anyway.") if "paired before" in problem else None
        raise Conflict(problem, hint=hint)
    assert mentor.id is not None and mentee.id is not None
    pair = await ctx.uow.pairs.add(
        Pair(
            program.id,
            mentor.id,
            mentee.id,
            PairStatus.AGREEING,
            ctx.now(),
            origin="assigned",
            forced=force,
        )
    )
    notices = await start_pair(ctx.work, pair)
    paired = Reply(
        _("Paired {pair}. Both have been told.", pair=await pair_label(ctx, pair)),
        title=_("Pair created"),
    )
    return Outcome([paired], notices)


async def cmd_suggest(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    """What `match` would give the first mentees in line, one Assign button each: a view
    over the same optimal assignment and scores, for assigning a few by hand."""
    read = await read_pool(ctx.uow, program, ctx.now())
    waiting = sorted(
        read.waiting_seats, key=lambda s: (not s.enrollment.rematch, s.enrollment.waiting_since)
    )
    if not waiting:
        return Outcome(
            [Reply(_("No suggestions: nobody in {program} is waiting.", program=program.name))]
        )
    result = await compute(read, stable=False) if read.pool.mentees else None
    proposed = {p.mentee_id: p for p in result.pairs} if result else {}
    mentors, blocks = read.mentor_seats, read.blocks
    pairs_of: dict[int, list[Pair]] = {}
    for pair in read.pairs:
        pairs_of.setdefault(pair.mentee_id, []).append(pair)
    replies = []
    unmatched: list[str] = []  # each waiting mentee without a suggestion, and why
    for mentee_seat in waiting[:SHOWN_SUGGESTIONS]:
        mentee = mentee_seat.person
        suggestion = proposed.get(mentee.id or 0)
        if suggestion is None:
            why = _why_no_mentor(ctx, program, mentee_seat, mentors, pairs_of, blocks)
            unmatched.append(f"{mentee.name}: {why}")
            continue
        mentor_name = read.names[suggestion.mentor_id]
        if mentee_seat.enrollment.rematch:
            suggested = _(
                "{mentee} (waiting for a rematch) with {mentor}",
                mentee=mentee.name,
                mentor=mentor_name,
            )
        else:
            suggested = _("{mentee} with {mentor}", mentee=mentee.name, mentor=mentor_name)
        replies.append(
            Reply(
                suggested,
                fields=(
                    # Translators: a field label: why this pair fits
                    Field(_("Why"), "; ".join(suggestion.reasons) or "-"),
                    Field(_("Score"), f"{suggestion.score:.2f}"),
                ),
                choices=(
                    Choice(
                        # Translators: a button pairing the two
                        _("Assign"),
                        Action.command(
                            "assign", f"#{program.id}", f"#{mentee.id}", f"#{suggestion.mentor_id}"
                        ).encode(),
                        ChoiceStyle.PRIMARY,
                    ),
                ),
            )
        )
    hint = (
        "\n"
        + _(
            "To pair two people again anyway: `assign {slug} <mentee> <mentor> force`.",
            slug=program.slug,
        )
        if any("paired before" in line for line in unmatched)
        else ""
    )
    not_matched = (
        # Translators: a title above lines "<mentee>: <why>"
        Reply("\n".join(unmatched) + hint, title=_("No suggestion for")) if unmatched else None
    )
    later = len(waiting) - SHOWN_SUGGESTIONS
    rest = (
        [
            Reply(
                n_(
                    "{count} more waiting after these: assign these, or pair everyone at once "
                    "with `match {slug}`.",
                    "{count} more waiting after these: assign these, or pair everyone at once "
                    "with `match {slug}`.",
                    later,
                    slug=program.slug,
                )
            )
        ]
        if later > 0
        else []
    )
    if not replies:
        assert not_matched is not None
        nothing = Reply(_("No suggestions for {program}.", program=program.name))
        return Outcome([nothing, not_matched, *rest])
    suggestions = [
        Reply(_("Suggested pairs for {program}:", program=program.name), title=_("Suggestions")),
        *replies,
    ]
    return Outcome(suggestions + ([not_matched] if not_matched else []) + rest)


def _why_no_mentor(
    ctx: Context,
    program: Program,
    mentee_seat: Seat,
    mentors: list[Seat],
    pairs_of: dict[int, list[Pair]],
    blocks: set[frozenset[int]],
) -> str:
    """The hard rules that keep a waiting mentee from every mentor with a free place, as
    a coordinator may read them (a block reads like any other unavailability), the first
    few of them."""
    mentee, mentee_enr = mentee_seat.person, mentee_seat.enrollment
    if not any(seat.enrollment.capacity > seat.open_pairs for seat in mentors):
        return _("no mentor has a free place.")
    reasons = []
    now = ctx.now()
    for seat in mentors:
        problem = problem_between(
            program,
            now,
            seat.person,
            seat.enrollment,
            seat.open_pairs,
            mentee,
            mentee_enr,
            pairs_of.get(mentee.id or 0, ()),
            frozenset((seat.person.id, mentee.id)) in blocks,
        )
        if problem is not None:  # a block reads as any other unavailability
            reasons.append(problem)
        elif problem is None and any(
            p.mentor_id == seat.person.id and p.status is PairStatus.DECLINED
            for p in pairs_of.get(mentee.id or 0, ())
        ):
            reasons.append(
                _(
                    "{mentor} declined a request from {mentee}.",
                    mentor=seat.person.name,
                    mentee=mentee.name,
                )
            )
    distinct = list(dict.fromkeys(reasons))
    if not distinct:
        return _(
            "no mentor with a free place can be paired with them right now (languages, or "
            "every mentor who fits is taken by others in line)."
        )
    shown = " ".join(distinct[:SHOWN_REASONS])
    if len(distinct) > SHOWN_REASONS:
        unshown = len(distinct) - SHOWN_REASONS
        shown += " " + n_("(and {count} more)", "(and {count} more)", unshown)
    return shown


async def someone_i_know(ctx: Context, ref: str, *, or_blocked: bool = False) -> Person:
    """The person ``ref`` names, if they take (or took) part in a program with the actor
    (``or_blocked``: or are on the actor's list already). Anyone else reads exactly like
    nobody: the directory isn't for strangers, so no name is shown and no handle is
    confirmed to them."""
    me = ctx.my_id()
    try:
        other = await person_by_ref(ctx, ref)
    except NotFound:
        other = None
    if other is not None and other.id is not None:
        mine = {e.program_id for e in await ctx.uow.enrollments.of_person(me)}
        theirs = {e.program_id for e in await ctx.uow.enrollments.of_person(other.id)}
        if mine & theirs or (or_blocked and await any_block(ctx, me, other.id)):
            return other
    shown = ref.strip().lstrip("@")[:24]
    raise NotFound(
        _(
            "There's nobody called {who} in your programs.",
            who=shown if shown.startswith("#") else "@" + shown,
        ),
        hint=_(
            "You can block people who take part in a program with you, by their handle "
            "(like @alice_smith)."
        ),
    )


async def cmd_block(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    other = await someone_i_know(ctx, args["person"])
    assert other.id is not None
    if other.id == ctx.my_id():
        raise InvalidInput(_("You can't block yourself."))
    if not await any_block(ctx, ctx.my_id(), other.id):
        await ctx.uow.blocks.add(Block(ctx.my_id(), other.id, ctx.now()))
    return Outcome(
        [
            Reply(
                _(
                    "Noted: you won't be paired with {name}. Nobody else can see this, "
                    "including them and coordinators.",
                    name=other.name,
                ),
                # Translators: a title: what follows is seen by nobody else
                title=_("Private"),
            )
        ]
    )


async def any_block(ctx: Context, me: int, other: int) -> bool:
    return any(b.blocked_id == other for b in await ctx.uow.blocks.of_person(me))


async def cmd_unblock(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    other = await someone_i_know(ctx, args["person"], or_blocked=True)
    assert other.id is not None
    removed = await ctx.uow.blocks.remove(ctx.my_id(), other.id)
    return Outcome(
        [
            Reply(
                _("Removed {name} from your private list.", name=other.name)
                if removed
                else _("They weren't on your list.")
            )
        ]
    )


async def cmd_pairs(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.my_id()
    pairs = await ctx.uow.pairs.of_person(me)
    visible = [
        p
        for p in pairs
        if p.status not in (PairStatus.DECLINED, PairStatus.EXPIRED) or p.mentee_id == me
    ]
    if not visible:
        return Outcome([Reply(_("You have no pairs yet."))])
    lines = []
    for pair in visible:
        assert pair.id is not None
        program = await ctx.uow.programs.get(pair.program_id)
        (partner,) = await names(ctx, pair.partner_of(me))
        about: dict[str, str | int] = {
            "pair": pair.id,
            "program": program.name if program else "?",
            "partner": partner,
            "status": pair.status.value,
        }
        if pair.mentor_id == me:
            lines.append(_("#{pair} {program}: mentoring {partner} — {status}", **about))
        else:
            lines.append(_("#{pair} {program}: mentored by {partner} — {status}", **about))
    return Outcome([Reply("\n".join(lines), title=_("Your pairs"))])


async def notify_coordinators(
    ctx: Context, program: Program, reply: Reply, key: str
) -> list[Notice]:
    """The same notice for each coordinator of ``program`` but the one acting."""
    return await tell_coordinators(ctx.uow, program, reply, key, except_id=ctx.my_id())


def pairing_commands() -> list[CommandSpec]:
    person = Arg("person", ArgKind.PERSON, N_("their handle"))
    request = Arg("pair", ArgKind.INT, N_("the request number"), low=1, high=10**9)
    return [
        CommandSpec(
            "mentors",
            N_("Mentors with free places, best fit first"),
            cmd_mentors,
            args=(Arg("program", ArgKind.PROGRAM, N_("which program"), required=False),),
            group=N_("Pairing"),
            reads_only=True,
        ),
        CommandSpec(
            "ask",
            N_("Ask mentors to mentor you, in order of preference"),
            cmd_ask,
            args=(PROGRAM_OPT, Arg("mentors", ArgKind.TEXT, N_("one or more handles"), rest=True)),
            examples=("ask @dana", "ask @dana @erik program=design-2026"),
            group=N_("Pairing"),
        ),
        CommandSpec(
            "accept",
            N_("Accept a mentoring request"),
            cmd_accept,
            args=(request,),
            group=N_("Pairing"),
        ),
        CommandSpec(
            "decline",
            N_("Decline a mentoring request"),
            cmd_decline,
            args=(request,),
            group=N_("Pairing"),
        ),
        CommandSpec("pairs", N_("Your mentoring pairs"), cmd_pairs, group=N_("Pairing")),
        CommandSpec(
            "block",
            N_("Never be paired with someone (private)"),
            cmd_block,
            args=(person,),
            group=N_("Pairing"),
        ),
        CommandSpec(
            "unblock",
            N_("Remove someone from your private list"),
            cmd_unblock,
            args=(person,),
            group=N_("Pairing"),
        ),
        CommandSpec(
            "assign",
            N_("Pair a mentee with a mentor"),
            ForCoordinators(cmd_assign),
            args=(
                PROGRAM_ARG,
                Arg("mentee", ArgKind.PERSON, N_("the mentee's handle")),
                Arg("mentor", ArgKind.PERSON, N_("the mentor's handle")),
                Arg(
                    "force",
                    ArgKind.CHOICE,
                    N_("pair again though they were before"),
                    required=False,
                    choices=("force",),
                ),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
        ),
        CommandSpec(
            "suggest",
            N_("Suggested pairs for waiting mentees"),
            ForCoordinators(cmd_suggest),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
            reads_only=True,
            whole_program=True,
        ),
    ]
