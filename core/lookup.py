"""Read-only lookups for adapters: program short names and people's handles for
autocompletion, and whether someone coordinates a program (for group commands).

The completions are asked for while someone is still typing, so they return bare
strings and only what the command itself would accept: slugs of programs (all of them are
listed by ``programs`` anyway) and handles of people who share a program with the person
typing. No names, time zones or anything else about a person.
"""

from __future__ import annotations

from core.identity import UserRef
from core.model import Program
from core.ports import UnitOfWorkFactory
from core.services import lookups

DEFAULT_LIMIT = 25  # the most suggestions a messenger shows at once


def _prefix(typed: str, strip: str = "") -> str:
    return typed.strip().lstrip(strip).lower()


async def program_slugs(
    uow_factory: UnitOfWorkFactory, prefix: str, limit: int = DEFAULT_LIMIT
) -> list[str]:
    """Short names of programs starting with ``prefix`` (then those containing it)."""
    needle = _prefix(prefix, "#")
    async with uow_factory() as uow:
        slugs = sorted(program.slug for program in await uow.programs.all())
    starting = [slug for slug in slugs if slug.startswith(needle)]
    containing = [slug for slug in slugs if needle in slug and slug not in starting]
    return (starting + containing)[:limit]


async def handles(
    uow_factory: UnitOfWorkFactory, ref: UserRef, prefix: str, limit: int = DEFAULT_LIMIT
) -> list[str]:
    """Handles starting with ``prefix`` of the people in the programs ``ref`` takes part
    in, without ``ref``'s own. Someone unregistered, or in no program, gets nothing: the
    directory of participants is not for strangers."""
    needle = _prefix(prefix, "@")
    async with uow_factory() as uow:
        account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
        if account is None:
            return []
        me = await uow.people.get(account.person_id)
        programs = {e.program_id for e in await uow.enrollments.of_person(account.person_id)}
        if me is None or not programs:
            return []
        found = await uow.people.handles_in_programs(programs, needle, limit + 1)
    return [handle for handle in found if handle != me.handle][:limit]


async def coordinates_any(uow_factory: UnitOfWorkFactory, ref: UserRef) -> bool:
    """Whether ``ref`` is an active coordinator of some program: adapters use it to decide
    whether a coordinator command said in a group is carried out there at all."""
    async with uow_factory() as uow:
        account = await uow.accounts.find(ref.platform, ref.workspace, ref.user_id)
        return account is not None and await lookups.coordinates_any(uow, account.person_id)


async def program_living_in(uow_factory: UnitOfWorkFactory, space: str) -> Program | None:
    """The program whose shared space is ``space``, if exactly one is."""
    async with uow_factory() as uow:
        living_here = await uow.programs.in_space(space)
    return living_here[0] if len(living_here) == 1 else None
