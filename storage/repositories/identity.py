"""Who is who: people, their platform accounts, and the flows they have in progress."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import Speaker
from core.identity import Person, Platform, PlatformAccount
from core.ports import DialogState, DirectChannel, Reader
from storage.mapping import to_domain, update_row
from storage.repositories.base import _chunks, _Repo, _table
from storage.tables import (
    AccountRow,
    DialogRow,
    DirectChannelRow,
    EnrollmentRow,
    PersonRow,
    ProgramRow,
)

# The person's order for nudges: the chosen account, then the rest as they ranked them.
_PREFERRED_FIRST = (
    col(AccountRow.preferred).desc(),
    col(AccountRow.notify_rank),
    col(AccountRow.id),
)


class SqlPeople(_Repo[Person, PersonRow]):
    domain, row = Person, PersonRow

    async def by_handle(self, handle: str) -> Person | None:
        return await self._one(select(PersonRow).where(PersonRow.handle == handle.lower()))

    async def handle_taken(self, handle: str) -> bool:
        found = await self.session.exec(
            select(PersonRow.id).where(PersonRow.handle == handle.lower())
        )
        return found.first() is not None

    async def handles_in_programs(
        self, program_ids: Collection[int], prefix: str, limit: int
    ) -> list[str]:
        if not program_ids or limit < 1:
            return []
        statement = (
            select(PersonRow.handle)
            .join(EnrollmentRow, col(EnrollmentRow.person_id) == col(PersonRow.id))
            .where(col(EnrollmentRow.program_id).in_(list(program_ids)))
            .where(col(EnrollmentRow.active))
            .where(col(PersonRow.handle).startswith(prefix.lower(), autoescape=True))
            .distinct()
            .order_by(col(PersonRow.handle))
            .limit(limit)
        )
        return list((await self.session.exec(statement)).all())

    async def readers(self, person_ids: Collection[int]) -> dict[int, Reader]:
        found: dict[int, Reader] = {}
        # a program's language counts for members who have none of their own
        program_language = (
            sa_select(col(ProgramRow.language))
            .join(EnrollmentRow, col(EnrollmentRow.program_id) == col(ProgramRow.id))
            .where(col(EnrollmentRow.person_id) == col(PersonRow.id))
            .where(col(ProgramRow.language) != "")
            .order_by(col(EnrollmentRow.id))
            .limit(1)
            .scalar_subquery()
        )
        for chunk in _chunks(person_ids):
            statement = sa_select(
                col(PersonRow.id),
                col(PersonRow.timezone),
                col(PersonRow.language),
                col(PersonRow.platform_language),
                program_language,
            ).where(col(PersonRow.id).in_(chunk))
            rows = await self.session.exec(cast(Any, statement))  # Core select: no row class
            for person_id, zone, chosen, platform, program in rows.all():
                speaker = Speaker(str(chosen), str(platform), str(program or ""))
                found[cast(int, person_id)] = Reader(str(zone), speaker.language)
        return found

    async def program_language(self, person_id: int) -> str:
        statement = (
            sa_select(col(ProgramRow.language))
            .join(EnrollmentRow, col(EnrollmentRow.program_id) == col(ProgramRow.id))
            .where(col(EnrollmentRow.person_id) == person_id)
            .where(col(ProgramRow.language) != "")
            .order_by(col(EnrollmentRow.id))
            .limit(1)
        )
        return str((await self.session.exec(cast(Any, statement))).scalar() or "")

    # --- bulk import ----------------------------------------------------------------------

    async def by_handles(self, handles: Collection[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for chunk in _chunks([handle.lower() for handle in handles]):
            for person in await self._all(
                select(PersonRow).where(col(PersonRow.handle).in_(chunk))
            ):
                found[person.handle] = person
        return found


class SqlAccounts(_Repo[PlatformAccount, AccountRow]):
    domain, row = PlatformAccount, AccountRow

    async def find(
        self, platform: Platform, workspace: str, user_id: str
    ) -> PlatformAccount | None:
        return await self._one(
            select(AccountRow).where(
                AccountRow.platform == platform.value,
                AccountRow.workspace == workspace,
                AccountRow.user_id == user_id,
            )
        )

    async def of_person(self, person_id: int) -> list[PlatformAccount]:
        return await self._children(AccountRow.person_id, person_id, *_PREFERRED_FIRST)

    async def remove(self, account_id: int) -> None:
        await self.session.exec(delete(AccountRow).where(col(AccountRow.id) == account_id))

    async def set_workspace_reachable(
        self, platform: Platform, workspace: str, reachable: bool
    ) -> int:
        statement = (
            update(AccountRow)
            .where(
                col(AccountRow.platform) == platform.value,
                col(AccountRow.workspace) == workspace,
                col(AccountRow.reachable) != reachable,
            )
            .values(reachable=reachable)
        )
        result = await self.session.exec(statement)
        return int(result.rowcount)

    async def of_people(self, person_ids: Collection[int]) -> dict[int, list[PlatformAccount]]:
        found: dict[int, list[PlatformAccount]] = {person_id: [] for person_id in person_ids}
        t = _table(AccountRow)
        connection = await self.session.connection()
        for chunk in _chunks(found):
            # Plain rows, not ORM objects: the delivery worker reads a batch of these with
            # every claim, and building a model instance per row costs more than the query.
            rows = await connection.execute(
                sa_select(t).where(t.c.person_id.in_(chunk)).order_by(*_PREFERRED_FIRST)
            )
            for row in rows.all():
                account = to_domain(row, PlatformAccount)
                found[account.person_id].append(account)
        return found

    # --- bulk import ----------------------------------------------------------------------

    async def claimed(self, person_ids: Collection[int]) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(person_ids):
            rows = await self.session.exec(
                select(AccountRow.person_id).where(col(AccountRow.person_id).in_(chunk)).distinct()
            )
            found.update(rows.all())
        return found


class SqlDirectChannels:
    """Direct channels by account; a platform's few thousand are read at once at start."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_platform(self, platform: Platform) -> list[DirectChannel]:
        rows = await self.session.exec(
            select(
                AccountRow.user_id, DirectChannelRow.channel_id, DirectChannelRow.asked_to_open_at
            )
            .join(AccountRow, col(AccountRow.id) == col(DirectChannelRow.account_id))
            .where(AccountRow.platform == platform.value)
            .order_by(col(DirectChannelRow.account_id))
        )
        return [DirectChannel(user_id, channel_id, asked) for user_id, channel_id, asked in rows]

    async def of_accounts(self, account_ids: Collection[int]) -> dict[int, DirectChannel]:
        found: dict[int, DirectChannel] = {}
        for chunk in _chunks(account_ids):
            rows = await self.session.exec(
                select(AccountRow.id, AccountRow.user_id, DirectChannelRow)
                .join(DirectChannelRow, col(DirectChannelRow.account_id) == col(AccountRow.id))
                .where(col(AccountRow.id).in_(chunk))
            )
            for account_id, user_id, row in rows.all():
                assert account_id is not None
                found[account_id] = DirectChannel(user_id, row.channel_id, row.asked_to_open_at)
        return found

    async def opened(
        self, platform: Platform, workspace: str, user_id: str, channel_id: str
    ) -> bool:
        row = await self._row(platform, workspace, user_id)
        if row is not None:
            row.channel_id = channel_id
            await self.session.flush()
        return row is not None

    async def closed(self, platform: Platform, workspace: str, user_id: str) -> None:
        row = await self._row(platform, workspace, user_id, create=False)
        if row is not None:
            row.channel_id = ""
            await self.session.flush()

    async def asked_to_open(
        self, platform: Platform, workspace: str, user_id: str, at: datetime
    ) -> bool:
        row = await self._row(platform, workspace, user_id)
        if row is not None:
            row.asked_to_open_at = at
            await self.session.flush()
        return row is not None

    async def _row(
        self, platform: Platform, workspace: str, user_id: str, *, create: bool = True
    ) -> DirectChannelRow | None:
        """The account's row (a new one when ``create``); None without an account."""
        account_id = (
            await self.session.exec(
                select(AccountRow.id).where(
                    AccountRow.platform == platform.value,
                    AccountRow.workspace == workspace,
                    AccountRow.user_id == user_id,
                )
            )
        ).first()
        if account_id is None:
            return None
        row = await self.session.get(DirectChannelRow, account_id)
        if row is None and create:
            row = DirectChannelRow(account_id=account_id)
            self.session.add(row)
        return row


class SqlDialogs(_Repo[DialogState, DialogRow]):
    domain, row = DialogState, DialogRow

    async def active(self, actor: str) -> DialogState | None:
        return await self._one(select(DialogRow).where(DialogRow.actor == actor))

    async def save(self, state: DialogState) -> DialogState:  # type: ignore[override]
        existing = (
            await self.session.exec(select(DialogRow).where(DialogRow.actor == state.actor))
        ).first()
        if existing is None:
            return await self.add(state)
        update_row(existing, state)
        await self.session.flush()
        state.id = existing.id
        return state

    async def delete(self, actor: str) -> None:
        await self.session.exec(delete(DialogRow).where(col(DialogRow.actor) == actor))

    async def expire(self, *, before: datetime) -> int:
        result = await self.session.exec(
            delete(DialogRow).where(col(DialogRow.updated_at) < before)
        )
        return int(result.rowcount or 0)
