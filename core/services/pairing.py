"""Pairing rules and making pairs: who may be paired, requests, their expiry, introductions.

Hard rules, never broken: mentor capacity, paused people, a confidential "not with this
person" list, one open pair per mentee per program, and no repeat of a past pairing unless
a coordinator insists (``force``). Refusals caused by someone's block never reveal it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from core.i18n import _
from core.identity import Person
from core.messages import (
    Action,
    Choice,
    ChoiceStyle,
    Field,
    Notice,
    PairSpaceCopy,
    Reply,
    moment,
)
from core.model import Enrollment, Pair, PairStatus, Program, Role
from core.ports import UnitOfWork
from core.services import Work
from core.services.lookups import coordinators_of, names
from core.services.wording import mode_label


def unavailable(mentor: Person) -> str:
    """The one answer for a mentor who can't take this mentee now: paused, full, or a block
    (by either of them). A block must read exactly like ordinary unavailability, to the
    mentee asking and to coordinators pairing, so all three share these words."""
    return _("{name} can't take a new mentee right now.", name=mentor.name)


async def matched_count(uow: UnitOfWork, program: Program, mentor_id: int) -> int:
    pairs = await uow.pairs.of_person(mentor_id)
    return sum(
        1
        for p in pairs
        if p.program_id == program.id and p.mentor_id == mentor_id and p.status.takes_a_place
    )


def is_paused(person: Person, now: datetime) -> bool:
    return person.paused_until is not None and person.paused_until > now


async def pairing_problem(
    work: Work,
    program: Program,
    mentor: Person,
    mentee: Person,
    *,
    force: bool = False,
    ignore_pair: int | None = None,
) -> str | None:
    """Why these two can't be paired now (a message safe to show), or None."""
    assert program.id is not None and mentor.id is not None and mentee.id is not None
    uow = work.uow
    mentee_pairs = [p for p in await uow.pairs.of_person(mentee.id) if p.program_id == program.id]
    return problem_between(
        program,
        work.now,
        mentor,
        await uow.enrollments.find(program.id, mentor.id, Role.MENTOR),
        await matched_count(uow, program, mentor.id),
        mentee,
        await uow.enrollments.find(program.id, mentee.id, Role.MENTEE),
        mentee_pairs,
        await uow.blocks.between(mentor.id, mentee.id),
        force=force,
        ignore_pair=ignore_pair,
    )


def problem_between(
    program: Program,
    now: datetime,
    mentor: Person,
    mentor_enr: Enrollment | None,
    mentor_load: int,
    mentee: Person,
    mentee_enr: Enrollment | None,
    mentee_pairs: Iterable[Pair],
    blocked: bool,
    *,
    force: bool = False,
    ignore_pair: int | None = None,
) -> str | None:
    """The hard rules, on what was read: ``mentor_load`` counts the mentor's pairs taking a
    place, ``mentee_pairs`` are the mentee's pairs in ``program``, ``blocked`` says whether
    either blocked the other. Commands checking many candidates read these once for all."""
    if mentor.id == mentee.id:
        return _("Nobody can mentor themselves.")
    if mentor_enr is None or not mentor_enr.active:
        return _("{name} isn't a mentor in {program}.", name=mentor.name, program=program.name)
    if mentee_enr is None or not mentee_enr.active:
        return _("{name} isn't a mentee in {program}.", name=mentee.name, program=program.name)
    if is_paused(mentee, now):
        return _("{name} is paused right now.", name=mentee.name)
    if is_paused(mentor, now) or mentor_load >= mentor_enr.capacity:
        return unavailable(mentor)
    for pair in mentee_pairs:
        if pair.id == ignore_pair:
            continue
        if pair.status.is_open:
            return _(
                "{name} already has an open pair in {program}.",
                name=mentee.name,
                program=program.name,
            )
        if pair.mentor_id == mentor.id and pair.status.was_matched and not force:
            return _(
                "{mentor} and {mentee} were paired before.", mentor=mentor.name, mentee=mentee.name
            )
    if blocked:
        return unavailable(mentor)  # never revealed: the same words as a full or paused mentor
    return None


async def start_pair(work: Work, pair: Pair) -> list[Notice]:
    """Both sides are told they're paired and asked to set their agreement."""
    assert pair.id is not None
    uow = work.uow
    pair.status = PairStatus.AGREEING
    pair.started_at = work.now
    pair.expires_at = None
    pair.next_choices = ()
    await uow.pairs.save(pair)
    mentee_enr = await uow.enrollments.find(pair.program_id, pair.mentee_id, Role.MENTEE)
    if mentee_enr is not None:
        mentee_enr.waiting_since = None
        mentee_enr.rematch = False
        await uow.enrollments.save(mentee_enr)
    mentor, mentee = await names(uow, pair.mentor_id, pair.mentee_id)
    return introductions(pair, mentor, mentee)


def introductions(
    pair: Pair, mentor: str, mentee: str, reasons: tuple[str, ...] = ()
) -> list[Notice]:
    """Both sides told they're paired (with why they were matched, when a match made them)
    and asked to set their agreement; the pair space gets one introduction."""
    propose = Choice(
        _("Propose our agreement"),
        Action.command("agree", f"pair={pair.id}").encode(),
        ChoiceStyle.PRIMARY,
    )
    first_step = _(
        "Start by agreeing on expectations: goals, how often you check in, how you talk, "
        "and for how long. Either of you can propose; the other confirms."
    )
    why = (
        "\n" + _("Why you were matched: {reasons}.", reasons="; ".join(reasons)) if reasons else ""
    )
    met = _(
        "{mentee} (mentee), meet {mentor} (mentor): you're pair #{pair}. This group is your "
        "pair space for intros and shared reminders; check-ins, notes and feedback stay "
        "private between each of you and me.",
        mentee=mentee,
        mentor=mentor,
        pair=str(pair.id),
    )
    introduction = Reply(
        f"{met}{why}\n{first_step}", title=_("New mentoring pair"), choices=(propose,)
    )
    paired = {
        pair.mentor_id: _(
            "You're paired with {partner} as your mentee (pair #{pair}).",
            partner=mentee,
            pair=str(pair.id),
        ),
        pair.mentee_id: _(
            "You're paired with {partner} as your mentor (pair #{pair}).",
            partner=mentor,
            pair=str(pair.id),
        ),
    }
    return [
        Notice(
            person_id,
            Reply(
                f"{paired[person_id]}{why}\n{first_step}",
                title=_("New mentoring pair"),
                choices=(propose,),
            ),
            key=f"pair:{pair.id}:paired",
            pair_space=PairSpaceCopy(pair.partner_of(person_id), introduction),
        )
        for person_id in (pair.mentor_id, pair.mentee_id)
    ]


def _request_reply(mentee: Person, enrollment: Enrollment, pair: Pair, program: Program) -> Reply:
    assert pair.id is not None
    fields = [Field(_("Wants to learn"), ", ".join(enrollment.skills) or "-")]
    if enrollment.goals:
        fields.append(Field(_("Goals"), enrollment.goals))
    fields.append(Field(_("Prefers"), mode_label(enrollment.mode)))
    if pair.expires_at:
        fields.append(Field(_("Please answer by"), moment(pair.expires_at)))
    accept, decline = Action.answer("accept", str(pair.id)), Action.answer("decline", str(pair.id))
    return Reply(
        _(
            "{name} would like you as their mentor in {program}.",
            name=mentee.name,
            program=program.name,
        ),
        title=_("Mentoring request"),
        fields=tuple(fields),
        choices=(
            # Translators: buttons answering a mentoring request.
            Choice(_("Accept"), accept.encode(), ChoiceStyle.PRIMARY),
            Choice(_("Decline"), decline.encode(), ChoiceStyle.DANGER),
        ),
    )


async def send_request(
    work: Work,
    program: Program,
    mentee: Person,
    mentor_ids: list[int],
    *,
    origin: str = "requested",
) -> tuple[Pair | None, list[Notice]]:
    """Ask the first mentor in ``mentor_ids`` who can take the mentee; keep the rest in line."""
    assert program.id is not None and mentee.id is not None
    uow = work.uow
    while mentor_ids:
        mentor = await uow.people.get(mentor_ids.pop(0))
        if mentor is None or await pairing_problem(work, program, mentor, mentee) is not None:
            continue
        assert mentor.id is not None
        pair = await uow.pairs.add(
            Pair(
                program_id=program.id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=PairStatus.AWAITING,
                created_at=work.now,
                origin=origin,
                expires_at=work.now + timedelta(hours=program.request_expiry_hours),
                next_choices=tuple(mentor_ids),
            )
        )
        enrollment = await uow.enrollments.find(program.id, mentee.id, Role.MENTEE)
        assert enrollment is not None  # pairing_problem checked it
        request = _request_reply(mentee, enrollment, pair, program)
        return pair, [Notice(mentor.id, request, key=f"pair:{pair.id}:request")]
    return None, []


async def pass_on(work: Work, pair: Pair, why: str) -> list[Notice]:
    """A request went nowhere: tell the mentee, and ask their next choice if any."""
    program = await work.uow.programs.get(pair.program_id)
    mentee = await work.uow.people.get(pair.mentee_id)
    assert program is not None and mentee is not None
    following, notices = await send_request(work, program, mentee, list(pair.next_choices))
    if following is not None:
        (next_name,) = await names(work.uow, following.mentor_id)
        further = _("I've asked your next choice, {name}.", name=next_name)
    else:
        further = _("Send `mentors {program}` to choose someone else.", program=program.slug)
    notices.append(
        Notice(
            pair.mentee_id,
            Reply(f"{why} {further}", title=_("Your mentoring request")),
            key=f"pair:{pair.id}:passed",
        )
    )
    return notices


async def expire_requests(work: Work) -> list[Notice]:
    """Requests past their deadline pass to the mentee's next choice. Run periodically."""
    notices: list[Notice] = []
    for pair in await work.uow.pairs.expired_requests(work.now):
        pair.status = PairStatus.EXPIRED
        await work.uow.pairs.save(pair)
        (mentor,) = await names(work.uow, pair.mentor_id)
        notices += await pass_on(work, pair, _("{name} didn't answer in time.", name=mentor))
        notices.append(
            Notice(
                pair.mentor_id,
                Reply(_("A mentoring request to you expired; no action is needed.")),
                key=f"pair:{pair.id}:expired",
            )
        )
    return notices


async def tell_coordinators(
    uow: UnitOfWork, program: Program, reply: Reply, key: str, *, except_id: int | None = None
) -> list[Notice]:
    """The same notice for each coordinator of ``program`` (but not the one acting)."""
    return [
        Notice(coordinator, reply, key=f"{key}:c{coordinator}")
        for coordinator in await coordinators_of(uow, program)
        if coordinator != except_id
    ]
