"""What a command handler gets: the transaction, the clock and who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import NotRegistered
from core.i18n import ENGLISH, Speaker, supported
from core.identity import Person, PlatformAccount, UserRef
from core.ports import UnitOfWork
from core.services import Work
from core.settings import CoreSettings

if TYPE_CHECKING:
    from core.dialogs import DialogEngine


@dataclass(slots=True)
class Context:
    uow: UnitOfWork
    clock: Clock
    settings: CoreSettings
    dialogs: DialogEngine
    ref: UserRef
    account: PlatformAccount | None = None
    person: Person | None = None
    verb: str = ""  # the command being run, for buttons that run it again with a choice
    language: str = ENGLISH  # the language the actor reads (core.i18n)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def work(self) -> Work:
        """What the domain services get: no actor, just the transaction, now and settings."""
        return Work(self.uow, self.now(), self.settings)

    @property
    def actor(self) -> str:
        """The key of the account acting; dialogs are kept per account."""
        return f"{self.ref.platform.value}:{self.ref.workspace}:{self.ref.user_id}"

    def me(self) -> Person:
        """The registered person acting, or a NotRegistered error telling them how to start."""
        if self.person is None or self.person.id is None:
            raise NotRegistered()
        return self.person

    def my_id(self) -> int:
        person_id = self.me().id
        assert person_id is not None
        return person_id


async def language_of(uow: UnitOfWork, person: Person) -> str:
    """The language ``person`` reads (core.i18n.Speaker); their program's is read only
    when neither they nor their messenger named one of ours."""
    if supported(person.language) or supported(person.platform_language):
        return Speaker(person.language, person.platform_language).language
    assert person.id is not None
    return Speaker(program=await uow.people.program_language(person.id)).language
