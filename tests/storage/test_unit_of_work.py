from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.identity import Person, Platform, PlatformAccount
from core.ports import OutboxMessage
from tests.storage.helpers import pending_outbox


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
        pending = await pending_outbox(uow, now=later)
        assert [m.payload["text"] for m in pending] == ["hi"]


async def test_cover_settles_only_a_copy_nobody_else_is_sending(app: Mentorhub) -> None:
    now = app.clock.now()
    lease = timedelta(minutes=2)

    def copy(person_id: int, key: str) -> OutboxMessage:
        return OutboxMessage(
            person_id=person_id, key=key, kind="nudge", payload={"text": key}, created_at=now
        )

    def covered(person_id: int, key: str) -> OutboxMessage:
        message = copy(person_id, key)
        message.status, message.sent_at, message.last_error = "sent", now, "posted"
        return message

    async with app.uow() as uow:
        dana = await uow.people.add(person("dana", app))
        assert dana.id is not None
        for key in ("free", "ours", "theirs", "expired", "done"):
            await uow.outbox.add(copy(dana.id, key))
        await uow.commit()
    async with app.uow() as uow:
        for key, worker, until in (
            ("ours", "w1", now + lease),
            ("theirs", "w2", now + lease),
            ("expired", "w3", now - timedelta(seconds=1)),
        ):
            row = await uow.outbox.by_key(dana.id, key)
            assert row is not None
            row.locked_by, row.locked_until = worker, until
            await uow.outbox.save(row)
        done = await uow.outbox.by_key(dana.id, "done")
        assert done is not None
        done.status, done.locked_by, done.locked_until = "sent", None, None
        await uow.outbox.save(done)
        await uow.commit()

    async with app.uow() as uow:
        results = {
            key: await uow.outbox.cover(covered(dana.id, key), worker="w1", now=now)
            for key in ("free", "ours", "theirs", "expired", "done", "new")
        }
        await uow.commit()
    assert {key for key, found in results.items() if found is not None} == {
        "free",
        "expired",
        "new",
    }
    async with app.uow() as uow:
        rows = {key: await uow.outbox.by_key(dana.id, key) for key in results}
    statuses = {key: (row.status, row.locked_by) for key, row in rows.items() if row is not None}
    assert statuses == {
        "free": ("sent", None),
        "ours": ("pending", "w1"),  # our own lanes settle it in memory
        "theirs": ("pending", "w2"),  # another worker holds it
        "expired": ("sent", None),
        "done": ("sent", None),
        "new": ("sent", None),  # a later copy with this key will be dropped
    }
    assert rows["new"] is not None and rows["new"].last_error == "posted"


async def test_outbox_add_many_counts_only_new_rows_across_pages(app: Mentorhub) -> None:
    """add_many sends its rows in bounded pages; keys already queued are skipped and
    not counted, in every page."""
    now = app.clock.now()
    async with app.uow() as uow:
        erin = await uow.people.add(person("erin", app))
        assert erin.id is not None

        def message(key: str) -> OutboxMessage:
            assert erin.id is not None
            return OutboxMessage(erin.id, key, "nudge", {"text": "hi"}, created_at=now)

        assert await uow.outbox.add(message("k1500")) is True
        batch = [message(f"k{i}") for i in range(2_500)]
        assert await uow.outbox.add_many(batch) == 2_499
        assert await uow.outbox.add_many(batch[:10]) == 0
        await uow.commit()
    async with app.uow() as uow:
        assert len(await pending_outbox(uow, now=now + timedelta(seconds=1))) == 2_500


async def test_marks_and_outcomes_in_bulk_touch_only_rows_still_leased(app: Mentorhub) -> None:
    """The delivery worker's group commit: "sending" for many rows in one statement, their
    outcomes in one more; a row whose lease another worker took is left to that worker."""
    now = app.clock.now()
    lease = timedelta(minutes=2)
    async with app.uow() as uow:
        erin = await uow.people.add(person("erin", app))
        assert erin.id is not None
        for n in range(4):
            await uow.outbox.add(
                OutboxMessage(
                    person_id=erin.id, key=f"k{n}", kind="nudge", payload={}, created_at=now
                )
            )
        accounts = [
            await uow.accounts.add(
                PlatformAccount(Platform("telegram"), "", str(700 + n), person_id=erin.id)
            )
            for n in range(4)
        ]
        claimed = await uow.outbox.claim(now=now, limit=10, worker="w1", lease=lease)
        await uow.commit()
    assert len(claimed) == 4
    a0, _, a2, _ = (a.id for a in accounts)
    first, second, third, taken = claimed
    async with app.uow() as uow:  # the last row's lease went to another worker
        taken.locked_by = "w2"
        await uow.outbox.save(taken)
        await uow.commit()

    later = now + timedelta(seconds=5)
    marks = {m.id: a.id for m, a in zip(claimed, accounts, strict=True) if m.id and a.id}
    async with app.uow() as uow:
        attempts = await uow.outbox.mark_sending_many(marks, worker="w1", now=later, lease=lease)
        await uow.commit()
    assert attempts == {first.id: 1, second.id: 1, third.id: 1}

    first.status, first.attempts, first.sent_at, first.account_id = "sent", 1, later, a0
    second.status, second.attempts, second.last_error = "pending", 0, "429 " * 200
    second.next_attempt_at = later + timedelta(seconds=3)
    taken.status = "sent"
    async with app.uow() as uow:
        kept = await uow.outbox.release_many([first, second, taken], worker="w1")
        await uow.commit()
    assert kept == {first.id, second.id}

    async with app.uow() as uow:
        rows = {m.key: await uow.outbox.by_key(erin.id, m.key) for m in claimed}
    found = {key: r for key, r in rows.items() if r is not None}
    got = {key: (r.status, r.attempts, r.account_id, r.locked_by) for key, r in found.items()}
    assert got == {
        first.key: ("sent", 1, a0, None),
        second.key: ("pending", 0, None, None),  # its account as the outcome says: none
        third.key: ("sending", 1, a2, "w1"),  # marked, its outcome not recorded yet
        taken.key: ("pending", 0, None, "w2"),  # neither marked nor released by w1
    }
    assert found[first.key].sent_at == later
    assert found[third.key].next_attempt_at == later  # when the attempt began (recovery)
    assert found[third.key].locked_until == later + lease
    assert len(found[second.key].last_error or "") == 500
    assert found[second.key].next_attempt_at == later + timedelta(seconds=3)


async def test_a_failed_statement_never_shows_its_values(
    app: Mentorhub, caplog: pytest.LogCaptureFixture
) -> None:
    """SQL errors are logged with their statement, never their bound parameters: those are
    names, private notes and answers (the engine has hide_parameters)."""
    secret = "PRIVATE-NOTE: I'm thinking of quitting"
    now = app.clock.now()
    async with app.uow() as uow:
        await uow.people.add(Person("ann", "Ann", "UTC", ("en",), now))
        await uow.commit()
    log = logging.getLogger("mentorhub.test")

    async def add_again() -> None:
        async with app.uow() as uow:
            await uow.people.add(Person("ann", secret, "UTC", ("en",), now))  # handle taken
            await uow.commit()

    with pytest.raises(Exception) as failed:  # noqa: PT011 - whichever the driver raises
        await add_again()
    log.exception("saving failed", exc_info=failed.value)
    assert "INSERT" in str(failed.value)
    assert secret not in str(failed.value) and secret not in caplog.text
