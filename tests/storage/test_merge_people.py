"""Merging two people into one (linking accounts): every row moves, duplicates don't, on
both backends."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.identity import Platform, PlatformAccount
from core.model import Enrollment, Program, Role
from tests.storage.test_unit_of_work import person


async def test_of_two_enrolments_in_one_role_the_active_one_is_kept(app: Mentorhub) -> None:
    now = app.clock.now()
    async with app.uow() as uow:
        keep = await uow.people.add(person("keep", app))
        absorb = await uow.people.add(person("absorb", app))
        assert keep.id is not None and absorb.id is not None
        await uow.accounts.add(PlatformAccount(Platform("console"), "", "k", keep.id))
        await uow.accounts.add(PlatformAccount(Platform("console"), "", "a", absorb.id))
        left = await uow.programs.add(Program("left", "Left", now))
        stays = await uow.programs.add(Program("stays", "Stays", now))
        assert left.id is not None and stays.id is not None
        # in "left": the kept person left, the other is still in; in "stays": the reverse
        await uow.enrollments.add(Enrollment(left.id, keep.id, Role.MENTEE, now, active=False))
        await uow.enrollments.add(Enrollment(left.id, absorb.id, Role.MENTEE, now))
        await uow.enrollments.add(Enrollment(stays.id, keep.id, Role.MENTEE, now))
        await uow.enrollments.add(Enrollment(stays.id, absorb.id, Role.MENTEE, now, active=False))
        await uow.commit()
    async with app.uow() as uow:
        await uow.links.merge_people(keep.id, absorb.id)
        await uow.commit()
    async with app.uow() as uow:
        active = {e.program_id for e in await uow.enrollments.of_person(keep.id)}
        assert active == {left.id, stays.id}
        assert [a.user_id for a in await uow.accounts.of_person(keep.id)] == ["k", "a"]
        assert await uow.people.get(absorb.id) is None
