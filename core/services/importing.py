"""Bulk onboarding: write a cohort's checked records (``core/importing.py``) into a program.

People: each handle names one person. A handle mentorhub doesn't know becomes a new
person with no messenger account yet (they claim it with ``start @handle``, see
``core/commands/people.py``); a known one is enrolled (or their enrolment updated). A
person who has claimed their profile keeps their own name, time zone and languages: only
their enrolment follows the file. Pairs: each row becomes an active pair with an agreement
confirmed by both, starting on ``starts_on``, and its schedule (check-ins, reminders,
midpoint, end) as confirming an agreement makes it.

Both are idempotent: a row that matches what is stored changes nothing, so importing the
same file twice leaves the second run with nothing new. Writes go in chunks of
:data:`CHUNK` rows, one transaction each, with a few bulk statements per chunk: a crash
half-way leaves whole chunks imported, and running the import again completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from core.commands.agreements import CONFIDENTIALITY
from core.errors import NotFound
from core.identity import Person
from core.importing import PairRecord, PersonRecord, RowProblem
from core.model import Agreement, Enrollment, Mode, Pair, PairStatus, Program, Role
from core.ports import DueItem, UnitOfWork, UnitOfWorkFactory
from core.services.pairing import is_paused
from core.services.schedule import plan_items

CHUNK = 5000
IMPORTED = "imported"  # Pair.origin of an imported pair
CHANNEL = "here in chat"
RESPONSE_HOURS = 48

RowT = TypeVar("RowT")
Progress = Callable[[int, int], None]  # (rows written, rows to write)


@dataclass(slots=True)
class ImportCounts:
    """What an import did, row by row: ``new`` people mentorhub didn't know (or new
    pairs), ``updated`` rows that changed something, ``unchanged`` rows already as given."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(slots=True)
class PairsCheck:
    """The pairs file against the database: problems, and what the good rows need."""

    problems: list[RowProblem] = field(default_factory=list)
    good: list[PairRecord] = field(default_factory=list)
    unchanged: int = 0  # rows whose pair is already in force


async def program_named(uow_factory: UnitOfWorkFactory, slug: str) -> Program:
    async with uow_factory() as uow:
        program = await uow.programs.by_slug(slug)
    if program is None or program.id is None:
        raise NotFound(
            f"There's no program '{slug[:32]}'.",
            hint="Create it first (newprogram), or check the short name with `programs`.",
        )
    return program


def _chunks(items: Sequence[RowT], size: int) -> list[Sequence[RowT]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


# --- people ------------------------------------------------------------------------------


async def import_people(
    uow_factory: UnitOfWorkFactory,
    program: Program,
    records: Sequence[PersonRecord],
    *,
    now: datetime,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ImportCounts:
    counts = ImportCounts()
    done = 0
    for part in _chunks(records, chunk):
        async with uow_factory() as uow:
            await _people_chunk(uow, program, part, now, counts)
            await uow.commit()
        done += len(part)
        if progress is not None:
            progress(done, len(records))
    return counts


async def _people_chunk(
    work: UnitOfWork,
    program: Program,
    records: Sequence[PersonRecord],
    now: datetime,
    counts: ImportCounts,
) -> None:
    assert program.id is not None
    known = await work.people.by_handles([record.handle for record in records])
    known_ids = [person.id for person in known.values() if person.id is not None]
    claimed = await work.accounts.claimed(known_ids)
    enrolled = {
        (enrollment.person_id, enrollment.role): enrollment
        for enrollment in await work.enrollments.in_program(program.id, known_ids)
    }
    new_people = [
        Person(
            handle=record.handle,
            name=record.name,
            timezone=record.timezone,
            languages=record.languages,
            created_at=now,
        )
        for record in records
        if record.handle not in known
    ]
    await work.people.insert_many(new_people)
    people = {**known, **{person.handle: person for person in new_people}}
    changed_people: list[Person] = []
    new_enrollments: list[Enrollment] = []
    changed_enrollments: list[Enrollment] = []
    for record in records:
        person = people[record.handle]
        assert person.id is not None
        changed = False
        if record.handle in known and person.id not in claimed:  # the file is their profile
            wanted = replace(
                person, name=record.name, timezone=record.timezone, languages=record.languages
            )
            if wanted != person:
                changed_people.append(wanted)
                changed = True
        enrollment = enrolled.get((person.id, record.role))
        if enrollment is None:
            new_enrollments.append(_enrollment(program.id, person.id, record, now))
            changed = True
        else:
            wanted_enrollment = _updated(enrollment, record, now)
            if wanted_enrollment != enrollment:
                changed_enrollments.append(wanted_enrollment)
                changed = True
        if record.handle not in known:
            counts.new += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    await work.people.update_many(changed_people)
    await work.enrollments.insert_many(new_enrollments)
    await work.enrollments.update_many(changed_enrollments)


def _enrollment(program_id: int, person_id: int, record: PersonRecord, now: datetime) -> Enrollment:
    return Enrollment(
        program_id=program_id,
        person_id=person_id,
        role=record.role,
        joined_at=now,
        capacity=record.capacity,
        skills=record.skills,
        goals=record.goals,
        mode=record.mode,
        availability=record.availability,
        waiting_since=now if record.role is Role.MENTEE else None,
    )


def _updated(enrollment: Enrollment, record: PersonRecord, now: datetime) -> Enrollment:
    """The enrolment as the file has it; joining again after leaving is a new join."""
    wanted = replace(
        enrollment,
        capacity=record.capacity,
        skills=record.skills,
        goals=record.goals,
        mode=record.mode,
        availability=record.availability,
        active=True,
    )
    if not enrollment.active:
        wanted.joined_at, wanted.joins = now, enrollment.joins + 1
        if record.role is Role.MENTEE:
            wanted.waiting_since = enrollment.waiting_since or now
    return wanted


# --- pairs -------------------------------------------------------------------------------


async def check_pairs(
    uow_factory: UnitOfWorkFactory,
    program: Program,
    records: Sequence[PairRecord],
    *,
    now: datetime,
) -> PairsCheck:
    """What the database says about each row: the two must be a mentor and a mentee of
    the program, neither paused nor blocked by the other, the mentor with room (their
    open pairs and the file's, in file order), the mentee with no other open pair, the two
    never paired before, and the agreement not over yet. A pair already in force between
    the two is left as it is (the row is unchanged)."""
    assert program.id is not None
    check = PairsCheck()
    async with uow_factory() as uow:
        handles = {h for r in records for h in (r.mentor_handle, r.mentee_handle)}
        people = await uow.people.by_handles(handles)
        ids = [person.id for person in people.values() if person.id is not None]
        enrollments = [e for e in await uow.enrollments.in_program(program.id, ids) if e.active]
        enrolled = {(e.person_id, e.role) for e in enrollments}
        capacity = {e.person_id: e.capacity for e in enrollments if e.role is Role.MENTOR}
        pairs = await uow.pairs.of_program(program.id)
        blocks = await uow.blocks.among(ids)
    open_pairs = [p for p in pairs if p.status.is_open]
    taken = {p.mentee_id: p for p in open_pairs}
    mentoring: dict[int, int] = {}
    for pair in open_pairs:
        if pair.status is not PairStatus.AWAITING:
            mentoring[pair.mentor_id] = mentoring.get(pair.mentor_id, 0) + 1
    before = {(p.mentor_id, p.mentee_id) for p in pairs if p.status.was_matched}
    for record in records:
        problems = _pair_problems(record, program, people, enrolled, blocks, now)
        mentor, mentee = people.get(record.mentor_handle), people.get(record.mentee_handle)
        if not problems and mentor is not None and mentee is not None:
            assert mentor.id is not None and mentee.id is not None
            current = taken.get(mentee.id)
            if (
                current is not None
                and current.mentor_id == mentor.id
                and current.status
                in (
                    PairStatus.ACTIVE,
                    PairStatus.PAUSED,
                )
            ):
                check.unchanged += 1
                continue
            if current is not None:
                other = "a request waiting" if current.status is PairStatus.AWAITING else "a pair"
                problems.append(
                    RowProblem(
                        record.line,
                        "mentee_handle",
                        f"@{record.mentee_handle} already has {other} in {program.slug} "
                        f"(#{current.id}); end it first",
                    )
                )
            elif (mentor.id, mentee.id) in before:
                problems.append(
                    RowProblem(
                        record.line, "", f"@{mentor.handle} and @{mentee.handle} were paired before"
                    )
                )
            elif mentoring.get(mentor.id, 0) >= capacity.get(mentor.id, 0):
                problems.append(
                    RowProblem(
                        record.line,
                        "mentor_handle",
                        f"@{mentor.handle} has no room left (capacity "
                        f"{capacity.get(mentor.id, 0)}; raise it in the people file)",
                    )
                )
        if problems:
            check.problems += problems
            continue
        assert mentor is not None and mentee is not None and mentor.id and mentee.id
        mentoring[mentor.id] = mentoring.get(mentor.id, 0) + 1
        check.good.append(record)
    return check


def _pair_problems(
    record: PairRecord,
    program: Program,
    people: dict[str, Person],
    enrolled: set[tuple[int, Role]],
    blocks: set[tuple[int, int]],
    now: datetime,
) -> list[RowProblem]:
    problems: list[RowProblem] = []
    found: list[Person] = []
    for column, handle, role in (
        ("mentor_handle", record.mentor_handle, Role.MENTOR),
        ("mentee_handle", record.mentee_handle, Role.MENTEE),
    ):
        person = people.get(handle)
        if person is None or person.id is None:
            problems.append(
                RowProblem(
                    record.line, column, f"nobody has the handle @{handle} (import people first)"
                )
            )
        elif (person.id, role) not in enrolled:
            problems.append(
                RowProblem(
                    record.line, column, f"@{handle} is not a {role.value} in {program.slug}"
                )
            )
        elif is_paused(person, now):
            problems.append(RowProblem(record.line, column, _unavailable(handle)))
        else:
            found.append(person)
    cadence = record.cadence_days or program.cadence_days
    ends_on = record.starts_on + timedelta(weeks=program.duration_weeks)
    if ends_on < record.starts_on + timedelta(days=cadence):
        problems.append(
            RowProblem(
                record.line,
                "cadence_days",
                f"{cadence} days is longer than the program's {program.duration_weeks} weeks",
            )
        )
    if ends_on <= now.date():
        problems.append(
            RowProblem(
                record.line,
                "starts_on",
                f"with the program's {program.duration_weeks} weeks this agreement ended on "
                f"{ends_on.isoformat()}",
            )
        )
    if len(found) == 2:
        mentor_id, mentee_id = found[0].id, found[1].id
        if (mentor_id, mentee_id) in blocks or (mentee_id, mentor_id) in blocks:
            # never revealed: the same words as a paused mentor
            problems.append(
                RowProblem(record.line, "mentor_handle", _unavailable(record.mentor_handle))
            )
    return problems


def _unavailable(handle: str) -> str:
    """A paused person and a block (by either side) read the same to the importer."""
    return f"@{handle} can't be paired right now"


async def import_pairs(
    uow_factory: UnitOfWorkFactory,
    program: Program,
    records: Sequence[PairRecord],
    *,
    now: datetime,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> int:
    """Write checked rows (:func:`check_pairs`' ``good``): an active pair, its agreement
    confirmed by both, the mentee no longer waiting, and the agreement's schedule.
    Returns how many pairs were made."""
    assert program.id is not None
    made = 0
    for part in _chunks(records, chunk):
        async with uow_factory() as uow:
            handles = {h for r in part for h in (r.mentor_handle, r.mentee_handle)}
            people = await uow.people.by_handles(handles)
            pairs = [
                Pair(
                    program_id=program.id,
                    mentor_id=_id(people[r.mentor_handle]),
                    mentee_id=_id(people[r.mentee_handle]),
                    status=PairStatus.ACTIVE,
                    created_at=now,
                    origin=IMPORTED,
                    started_at=now,
                )
                for r in part
            ]
            await uow.pairs.insert_many(pairs)
            mentees = {
                e.person_id: e
                for e in await uow.enrollments.in_program(program.id, [p.mentee_id for p in pairs])
                if e.role is Role.MENTEE
            }
            agreements = [
                _agreement(pair, record, program, mentees.get(pair.mentee_id), now)
                for pair, record in zip(pairs, part, strict=True)
            ]
            await uow.agreements.insert_many(agreements)
            waiting = [
                replace(e, waiting_since=None, rematch=False)
                for e in mentees.values()
                if e.waiting_since is not None or e.rematch
            ]
            await uow.enrollments.update_many(waiting)
            items: list[DueItem] = []
            for pair, agreement, record in zip(pairs, agreements, part, strict=True):
                mentor, mentee = people[record.mentor_handle], people[record.mentee_handle]
                items += plan_items(pair, agreement, mentor, mentee, today=now.date())
            await uow.due.schedule(items, now=now)
            await uow.commit()
        made += len(part)
        if progress is not None:
            progress(made, len(records))
    return made


def _id(person: Person) -> int:
    assert person.id is not None
    return person.id


def _agreement(
    pair: Pair, record: PairRecord, program: Program, mentee: Enrollment | None, now: datetime
) -> Agreement:
    """The agreement a pair moving to mentorhub has: the file's start and cadence, the
    program's length and meeting time, the mentee's goals and mode, confirmed by both."""
    assert pair.id is not None
    mode = mentee.mode if mentee is not None else Mode.ASYNC
    return Agreement(
        pair_id=pair.id,
        version=1,
        proposed_by=pair.mentor_id,
        created_at=now,
        goals=mentee.goals if mentee is not None else "",
        cadence_days=record.cadence_days or program.cadence_days,
        mode=mode,
        channel=CHANNEL,
        meeting_minutes=program.meeting_minutes,
        starts_on=record.starts_on,
        ends_on=record.starts_on + timedelta(weeks=program.duration_weeks),
        response_hours=RESPONSE_HOURS,
        confidentiality=CONFIDENTIALITY["private"],
        confirmed_by=(pair.mentor_id, pair.mentee_id),
        status="confirmed",
        confirmed_at=now,
    )
