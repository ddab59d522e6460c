"""Making pairs: mentors, ask, accept, decline, assign, suggest, block, unblock, pairs.

Hard rules, never broken: mentor capacity, paused people, a confidential "not with this
person" list, one open pair per mentee per program, and no repeat of a past pairing unless
a coordinator insists (``force``). Refusals caused by someone's block never reveal it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core.commands.common import (
    PROGRAM_ARG,
    PROGRAM_OPT,
    coordinators_of,
    enrollment_of,
    is_coordinator,
    my_program,
    names,
    pair_label,
    person_by_ref,
    program_by_ref,
)
from core.context import Context
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.identity import Person
from core.matching import fit
from core.messages import Action, Choice, ChoiceStyle, Field, PairSpaceCopy, Reply
from core.model import Block, Enrollment, Pair, PairStatus, Program, Role
from core.registry import Access, Arg, ArgKind, CommandSpec

UNAVAILABLE = "That pairing isn't possible."


async def matched_count(ctx: Context, program: Program, mentor_id: int) -> int:
    pairs = await ctx.uow.pairs.of_person(mentor_id)
    return sum(
        1
        for p in pairs
        if p.program_id == program.id
        and p.mentor_id == mentor_id
        and p.status.is_open
        and p.status is not PairStatus.AWAITING
    )


def is_paused(person: Person, ctx: Context) -> bool:
    return person.paused_until is not None and person.paused_until > ctx.now()


async def pairing_problem(
    ctx: Context,
    program: Program,
    mentor: Person,
    mentee: Person,
    *,
    force: bool = False,
    ignore_pair: int | None = None,
) -> str | None:
    """Why these two can't be paired now (a message safe to show), or None."""
    assert program.id is not None and mentor.id is not None and mentee.id is not None
    if mentor.id == mentee.id:
        return "Nobody can mentor themselves."
    mentor_enr = await ctx.uow.enrollments.find(program.id, mentor.id, Role.MENTOR)
    mentee_enr = await ctx.uow.enrollments.find(program.id, mentee.id, Role.MENTEE)
    if mentor_enr is None or not mentor_enr.active:
        return f"{mentor.name} isn't a mentor in {program.name}."
    if mentee_enr is None or not mentee_enr.active:
        return f"{mentee.name} isn't a mentee in {program.name}."
    if is_paused(mentor, ctx) or is_paused(mentee, ctx):
        return "One of them is paused right now."
    if await matched_count(ctx, program, mentor.id) >= mentor_enr.capacity:
        return f"{mentor.name} has no free mentoring capacity."
    for pair in await ctx.uow.pairs.of_person(mentee.id):
        if pair.program_id != program.id or pair.id == ignore_pair:
            continue
        if pair.status.is_open:
            return f"{mentee.name} already has an open pair in {program.name}."
        if pair.mentor_id == mentor.id and pair.status.was_matched and not force:
            return f"{mentor.name} and {mentee.name} were paired before."
    if await ctx.uow.blocks.between(mentor.id, mentee.id):
        return UNAVAILABLE
    return None


async def start_pair(ctx: Context, pair: Pair) -> None:
    """Both sides are told they're paired and asked to set their agreement."""
    assert pair.id is not None
    pair.status = PairStatus.AGREEING
    pair.started_at = ctx.now()
    pair.expires_at = None
    pair.next_choices = ()
    await ctx.uow.pairs.save(pair)
    mentee_enr = await ctx.uow.enrollments.find(pair.program_id, pair.mentee_id, Role.MENTEE)
    if mentee_enr is not None:
        mentee_enr.waiting_since = None
        mentee_enr.rematch = False
        await ctx.uow.enrollments.save(mentee_enr)
    mentor, mentee = await names(ctx, pair.mentor_id, pair.mentee_id)
    propose = Choice(
        "Propose our agreement",
        Action.command("agree", f"pair={pair.id}").encode(),
        ChoiceStyle.PRIMARY,
    )
    first_step = (
        "Start by agreeing on expectations: goals, how often you check in, how you talk, "
        "and for how long. Either of you can propose; the other confirms."
    )
    introduction = Reply(
        f"{mentee} (mentee), meet {mentor} (mentor): you're pair #{pair.id}. This group is "
        "your pair space for intros and shared reminders; check-ins, notes and feedback "
        f"stay private between each of you and me.\n{first_step}",
        title="New mentoring pair",
        choices=(propose,),
    )
    for person_id, partner, role in (
        (pair.mentor_id, mentee, "mentee"),
        (pair.mentee_id, mentor, "mentor"),
    ):
        ctx.notify(
            person_id,
            Reply(
                f"You're paired with {partner} as your {role} (pair #{pair.id}).\n{first_step}",
                title="New mentoring pair",
                choices=(propose,),
            ),
            key=f"pair:{pair.id}:paired",
            pair_space=PairSpaceCopy(pair.partner_of(person_id), introduction),
        )


def _request_reply(mentee: Person, enrollment: Enrollment, pair: Pair, program: Program) -> Reply:
    assert pair.id is not None
    fields = [Field("Wants to learn", ", ".join(enrollment.skills) or "-")]
    if enrollment.goals:
        fields.append(Field("Goals", enrollment.goals))
    fields.append(Field("Prefers", enrollment.mode.value))
    if pair.expires_at:
        fields.append(Field("Please answer by", f"{pair.expires_at:%a %d %b %H:%M} UTC"))
    return Reply(
        f"{mentee.name} would like you as their mentor in {program.name}.",
        title="Mentoring request",
        fields=tuple(fields),
        choices=(
            Choice("Accept", Action.command("accept", str(pair.id)).encode(), ChoiceStyle.PRIMARY),
            Choice("Decline", Action.command("decline", str(pair.id)).encode(), ChoiceStyle.DANGER),
        ),
    )


async def send_request(
    ctx: Context,
    program: Program,
    mentee: Person,
    mentor_ids: list[int],
    *,
    origin: str = "requested",
) -> Pair | None:
    """Ask the first mentor in ``mentor_ids`` who can take the mentee; keep the rest in line."""
    assert program.id is not None and mentee.id is not None
    while mentor_ids:
        mentor = await ctx.uow.people.get(mentor_ids.pop(0))
        if mentor is None or await pairing_problem(ctx, program, mentor, mentee) is not None:
            continue
        assert mentor.id is not None
        pair = await ctx.uow.pairs.add(
            Pair(
                program_id=program.id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=PairStatus.AWAITING,
                created_at=ctx.now(),
                origin=origin,
                expires_at=ctx.now() + timedelta(hours=program.request_expiry_hours),
                next_choices=tuple(mentor_ids),
            )
        )
        enrollment = await enrollment_of(ctx, program, mentee.id, Role.MENTEE)
        ctx.notify(
            mentor.id,
            _request_reply(mentee, enrollment, pair, program),
            key=f"pair:{pair.id}:request",
        )
        return pair
    return None


async def pass_on(ctx: Context, pair: Pair, why: str) -> None:
    """A request went nowhere: tell the mentee, and ask their next choice if any."""
    program = await ctx.uow.programs.get(pair.program_id)
    mentee = await ctx.uow.people.get(pair.mentee_id)
    assert program is not None and mentee is not None
    following = await send_request(ctx, program, mentee, list(pair.next_choices))
    if following is not None:
        (next_name,) = await names(ctx, following.mentor_id)
        text = f"{why} I've asked your next choice, {next_name}."
    else:
        text = f"{why} Send `mentors {program.slug}` to choose someone else."
    ctx.notify(
        pair.mentee_id, Reply(text, title="Your mentoring request"), key=f"pair:{pair.id}:passed"
    )


async def expire_requests(ctx: Context) -> int:
    """Requests past their deadline pass to the mentee's next choice. Run periodically."""
    expired = await ctx.uow.pairs.expired_requests(ctx.now())
    for pair in expired:
        pair.status = PairStatus.EXPIRED
        await ctx.uow.pairs.save(pair)
        (mentor,) = await names(ctx, pair.mentor_id)
        await pass_on(ctx, pair, f"{mentor} didn't answer in time.")
        ctx.notify(
            pair.mentor_id,
            Reply("A mentoring request to you expired; no action is needed."),
            key=f"pair:{pair.id}:expired",
        )
    return len(expired)


# --- commands ----------------------------------------------------------------------------


async def cmd_mentors(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program = await my_program(ctx, args, Role.MENTEE)
    assert program.id is not None
    me = ctx.me()
    mine = await ctx.uow.enrollments.find(program.id, ctx.my_id(), Role.MENTEE)
    if mine is None:
        raise NotAllowed(f"Join {program.name} as a mentee first: `enroll {program.slug} mentee`.")
    rows: list[tuple[float, Reply]] = []
    for enrollment in await ctx.uow.enrollments.of_program(program.id, Role.MENTOR):
        mentor = await ctx.uow.people.get(enrollment.person_id)
        if mentor is None or mentor.id == me.id:
            continue
        if await pairing_problem(ctx, program, mentor, me) is not None:
            continue
        free = enrollment.capacity - await matched_count(ctx, program, enrollment.person_id)
        match = fit(mentor, enrollment, me, mine, ctx.now())
        rows.append(
            (
                match.score,
                Reply(
                    f"@{mentor.handle}",
                    title=mentor.name,
                    fields=(
                        Field("Helps with", ", ".join(enrollment.skills)),
                        Field("In common", ", ".join(match.shared_skills) or "-"),
                        Field("Languages", ", ".join(mentor.languages)),
                        Field("Time zone", f"{mentor.timezone} ({match.hours_apart:g} h apart)"),
                        Field("Free places", str(free)),
                    ),
                    choices=(
                        Choice(
                            f"Ask {mentor.name[:30]}",
                            Action.command(
                                "ask", f"#{mentor.id}", f"program=#{program.id}"
                            ).encode(),
                        ),
                    ),
                ),
            )
        )
    if not rows:
        return [Reply(f"No mentor in {program.name} has a free place right now. Try again later.")]
    rows.sort(key=lambda row: -row[0])
    intro = Reply(
        f"Mentors with free places in {program.name}, best fit first. Ask one, or list "
        f"several in order: `ask @first @second` — if one can't, I ask the next.",
        title="Mentors",
    )
    return [intro, *(reply for _, reply in rows[:10])]


async def cmd_ask(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program = await my_program(ctx, args, Role.MENTEE)
    me = ctx.me()
    await enrollment_of(ctx, program, ctx.my_id(), Role.MENTEE)
    refs = str(args["mentors"]).split()
    if len(refs) > 5:
        raise InvalidInput("List at most 5 mentors, in order of preference.")
    chosen: list[int] = []
    for ref in refs:
        mentor = await person_by_ref(ctx, ref)
        assert mentor.id is not None
        problem = await pairing_problem(ctx, program, mentor, me)
        if problem is not None:
            raise Conflict(problem if problem != UNAVAILABLE else f"{mentor.name} isn't available.")
        chosen.append(mentor.id)
    pair = await send_request(ctx, program, me, chosen)
    assert pair is not None
    (mentor_name,) = await names(ctx, pair.mentor_id)
    queued = (
        f" If they can't, I'll ask the next on your list ({len(chosen) - 1} more)."
        if chosen
        else ""
    )
    hours = program.request_expiry_hours
    return [
        Reply(
            f"I've asked {mentor_name}. They have {hours} hours to answer.{queued}",
            title="Request sent",
        )
    ]


async def _awaiting_for_me(ctx: Context, args: Mapping[str, Any]) -> Pair:
    pair = await ctx.uow.pairs.get(int(args["pair"]))
    if pair is None or pair.mentor_id != ctx.my_id():
        raise NotFound("That request isn't addressed to you.")
    if pair.status is not PairStatus.AWAITING:
        raise Conflict(f"That request was already {pair.status.value}; nothing changed.")
    return pair


async def cmd_accept(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    pair = await _awaiting_for_me(ctx, args)
    program = await ctx.uow.programs.get(pair.program_id)
    mentor, mentee = (
        await ctx.uow.people.get(pair.mentor_id),
        await ctx.uow.people.get(pair.mentee_id),
    )
    assert program is not None and mentor is not None and mentee is not None
    problem = await pairing_problem(ctx, program, mentor, mentee, ignore_pair=pair.id)
    if problem is not None:
        raise Conflict(problem if problem != UNAVAILABLE else "This request can't be accepted.")
    await start_pair(ctx, pair)
    return [Reply(f"You accepted {mentee.name}. I've told them.", title="Request accepted")]


async def cmd_decline(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    pair = await _awaiting_for_me(ctx, args)
    pair.status = PairStatus.DECLINED
    await ctx.uow.pairs.save(pair)
    (mentor,) = await names(ctx, pair.mentor_id)
    await pass_on(ctx, pair, f"{mentor} can't take a new mentee right now.")
    return [Reply("Declined. The mentee gets a kind note and is passed on; no reason is shared.")]


async def cmd_assign(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program: Program = ctx.extra["program"]
    assert program.id is not None
    mentee = await person_by_ref(ctx, args["mentee"])
    mentor = await person_by_ref(ctx, args["mentor"])
    force = args.get("force") == "force"
    problem = await pairing_problem(ctx, program, mentor, mentee, force=force)
    if problem is not None:
        hint = "Add `force` to pair them again anyway." if "paired before" in problem else None
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
    await start_pair(ctx, pair)
    return [
        Reply(f"Paired {await pair_label(ctx, pair)}. Both have been told.", title="Pair created")
    ]


async def cmd_suggest(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    program: Program = ctx.extra["program"]
    assert program.id is not None
    waiting = [
        e for e in await ctx.uow.enrollments.of_program(program.id, Role.MENTEE) if e.waiting_since
    ]
    waiting.sort(key=lambda e: (not e.rematch, e.waiting_since))
    mentors = await ctx.uow.enrollments.of_program(program.id, Role.MENTOR)
    free = {
        e.person_id: e.capacity - await matched_count(ctx, program, e.person_id) for e in mentors
    }
    replies = []
    for mentee_enr in waiting:
        mentee = await ctx.uow.people.get(mentee_enr.person_id)
        assert mentee is not None
        best: tuple[float, Person, tuple[str, ...]] | None = None
        for mentor_enr in mentors:
            if free.get(mentor_enr.person_id, 0) <= 0:
                continue
            mentor = await ctx.uow.people.get(mentor_enr.person_id)
            assert mentor is not None
            if await pairing_problem(ctx, program, mentor, mentee) is not None:
                continue
            match = fit(mentor, mentor_enr, mentee, mentee_enr, ctx.now())
            if best is None or match.score > best[0]:
                best = (match.score, mentor, match.shared_skills)
        if best is None:
            continue
        score, mentor, shared = best
        free[mentor.id or 0] -= 1
        first = " (waiting for a rematch)" if mentee_enr.rematch else ""
        replies.append(
            Reply(
                f"{mentee.name}{first} with {mentor.name}",
                fields=(
                    Field("In common", ", ".join(shared) or "-"),
                    Field("Score", f"{score:.2f}"),
                ),
                choices=(
                    Choice(
                        "Assign",
                        Action.command(
                            "assign", f"#{program.id}", f"#{mentee.id}", f"#{mentor.id}"
                        ).encode(),
                        ChoiceStyle.PRIMARY,
                    ),
                ),
            )
        )
    if not replies:
        return [
            Reply(f"No suggestions: nobody in {program.name} is waiting, or no mentor has room.")
        ]
    return [Reply(f"Suggested pairs for {program.name}:", title="Suggestions"), *replies]


async def cmd_block(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    other = await person_by_ref(ctx, args["person"])
    assert other.id is not None
    if other.id == ctx.my_id():
        raise InvalidInput("You can't block yourself.")
    if not await any_block(ctx, ctx.my_id(), other.id):
        await ctx.uow.blocks.add(Block(ctx.my_id(), other.id, ctx.now()))
    return [
        Reply(
            f"Noted: you won't be paired with {other.name}. Nobody else can see this, "
            "including them and coordinators.",
            title="Private",
        )
    ]


async def any_block(ctx: Context, me: int, other: int) -> bool:
    return any(b.blocked_id == other for b in await ctx.uow.blocks.of_person(me))


async def cmd_unblock(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    other = await person_by_ref(ctx, args["person"])
    assert other.id is not None
    removed = await ctx.uow.blocks.remove(ctx.my_id(), other.id)
    return [
        Reply(
            f"Removed {other.name} from your private list."
            if removed
            else "They weren't on your list."
        )
    ]


async def cmd_pairs(ctx: Context, args: Mapping[str, Any]) -> list[Reply]:
    me = ctx.my_id()
    pairs = await ctx.uow.pairs.of_person(me)
    visible = [
        p
        for p in pairs
        if p.status not in (PairStatus.DECLINED, PairStatus.EXPIRED) or p.mentee_id == me
    ]
    if not visible:
        return [Reply("You have no pairs yet.")]
    lines = []
    for pair in visible:
        program = await ctx.uow.programs.get(pair.program_id)
        (partner,) = await names(ctx, pair.partner_of(me))
        role = "mentoring" if pair.mentor_id == me else "mentored by"
        lines.append(
            f"#{pair.id} {program.name if program else '?'}: {role} {partner} — {pair.status.value}"
        )
    return [Reply("\n".join(lines), title="Your pairs")]


async def notify_coordinators(ctx: Context, program: Program, reply: Reply, key: str) -> None:
    for coordinator in await coordinators_of(ctx, program):
        if coordinator != ctx.my_id():
            ctx.notify(coordinator, reply, key=f"{key}:c{coordinator}")


def pairing_commands() -> list[CommandSpec]:
    person = Arg("person", ArgKind.PERSON, "their handle")
    request = Arg("pair", ArgKind.INT, "the request number", low=1, high=10**9)
    return [
        CommandSpec(
            "mentors",
            "Mentors with free places, best fit first",
            cmd_mentors,
            args=(Arg("program", ArgKind.PROGRAM, "which program", required=False),),
            group="Pairing",
        ),
        CommandSpec(
            "ask",
            "Ask mentors to mentor you, in order of preference",
            cmd_ask,
            args=(PROGRAM_OPT, Arg("mentors", ArgKind.TEXT, "one or more handles", rest=True)),
            examples=("ask @dana", "ask @dana @erik program=design-2026"),
            group="Pairing",
        ),
        CommandSpec(
            "accept", "Accept a mentoring request", cmd_accept, args=(request,), group="Pairing"
        ),
        CommandSpec(
            "decline", "Decline a mentoring request", cmd_decline, args=(request,), group="Pairing"
        ),
        CommandSpec("pairs", "Your mentoring pairs", cmd_pairs, group="Pairing"),
        CommandSpec(
            "block",
            "Never be paired with someone (private)",
            cmd_block,
            args=(person,),
            group="Pairing",
        ),
        CommandSpec(
            "unblock",
            "Remove someone from your private list",
            cmd_unblock,
            args=(person,),
            group="Pairing",
        ),
        CommandSpec(
            "assign",
            "Pair a mentee with a mentor",
            cmd_assign,
            args=(
                PROGRAM_ARG,
                Arg("mentee", ArgKind.PERSON, "the mentee's handle"),
                Arg("mentor", ArgKind.PERSON, "the mentor's handle"),
                Arg(
                    "force",
                    ArgKind.CHOICE,
                    "pair again though they were before",
                    required=False,
                    choices=("force",),
                ),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
        CommandSpec(
            "suggest",
            "Suggested pairs for waiting mentees",
            cmd_suggest,
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group="Coordinators",
        ),
    ]


__all__ = [
    "expire_requests",
    "is_coordinator",
    "notify_coordinators",
    "pairing_commands",
    "program_by_ref",
]
