"""Small reads several services and commands share."""

from __future__ import annotations

from core.model import Agreement, Pair, Program, Role
from core.ports import UnitOfWork


async def names(uow: UnitOfWork, *person_ids: int) -> list[str]:
    result = []
    for person_id in person_ids:
        person = await uow.people.get(person_id)
        result.append(person.name if person else "someone")
    return result


async def agreement_in_force(uow: UnitOfWork, pair: Pair) -> Agreement | None:
    assert pair.id is not None
    confirmed = [a for a in await uow.agreements.of_pair(pair.id) if a.status == "confirmed"]
    return confirmed[-1] if confirmed else None


async def coordinators_of(uow: UnitOfWork, program: Program) -> list[int]:
    assert program.id is not None
    return [e.person_id for e in await uow.enrollments.of_program(program.id, Role.COORDINATOR)]


async def coordinates_any(uow: UnitOfWork, person_id: int) -> bool:
    """Whether the person is an active coordinator of some program."""
    enrollments = await uow.enrollments.of_person(person_id)
    return any(e.active and e.role is Role.COORDINATOR for e in enrollments)
