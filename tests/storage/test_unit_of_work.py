from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.identity import Person
from core.ports import OutboxMessage


def person(handle: str, app: Mentorhub) -> Person:
    return Person(
        handle=handle,
        name=handle.title(),
        timezone="Europe/Berlin",
        languages=("en",),
        created_at=app.clock.now(),
    )


async def test_nothing_is_kept_unless_committed(app: Mentorhub) -> None:
    async with app.uow() as uow:
        await uow.people.add(person("ghost", app))
    async with app.uow() as uow:
        assert await uow.people.by_handle("ghost") is None
        saved = await uow.people.add(person("kept", app))
        await uow.commit()
    async with app.uow() as uow:
        found = await uow.people.by_handle("kept")
        assert found is not None and found.id == saved.id
        assert found.created_at == app.clock.now()  # aware UTC survives the round trip
        assert found.languages == ("en",)


async def test_an_exception_rolls_back(app: Mentorhub) -> None:
    try:
        async with app.uow() as uow:
            await uow.people.add(person("boom", app))
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    async with app.uow() as uow:
        assert await uow.people.by_handle("boom") is None


async def test_outbox_keys_are_unique_per_recipient(app: Mentorhub) -> None:
    async with app.uow() as uow:
        alice = await uow.people.add(person("alice", app))
        assert alice.id is not None
        message = OutboxMessage(
            person_id=alice.id,
            key="pair:1:checkin:3",
            kind="checkin",
            payload={"text": "hi"},
            created_at=app.clock.now(),
            next_attempt_at=app.clock.now(),
        )
        assert await uow.outbox.add(message) is True
        duplicate = OutboxMessage(
            person_id=alice.id,
            key="pair:1:checkin:3",
            kind="checkin",
            payload={"text": "again"},
            created_at=app.clock.now(),
        )
        assert await uow.outbox.add(duplicate) is False
        await uow.commit()
    async with app.uow() as uow:
        later = app.clock.now() + timedelta(minutes=1)
        pending = await uow.outbox.pending(now=later, limit=10)
        assert [m.payload["text"] for m in pending] == ["hi"]
