"""Who is talking: people, and the messenger accounts they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar


class Platform(str):
    """A messenger's key ("console", …): an open set. Each messenger package owns its key
    and declares it when it registers (see core.messengers); core names none of them.

    Interned like an enum member: ``Platform("x") is Platform("x")``.
    """

    __slots__ = ()
    _interned: ClassVar[dict[str, Platform]] = {}

    def __new__(cls, key: str) -> Platform:
        known = cls._interned.get(key)
        if known is None:
            known = cls._interned[key] = super().__new__(cls, key)
        return known

    @property
    def value(self) -> str:
        """The key as a plain string (for log lines and stored columns)."""
        return str(self)

    @property
    def shown(self) -> str:
        """The messenger as people name it in a sentence: its key, capitalised."""
        return self.value[:1].upper() + self.value[1:]


@dataclass(frozen=True, slots=True)
class UserRef:
    """An account as an adapter sees it, before we know which person it belongs to.

    ``workspace`` scopes ``user_id`` where a messenger's user ids are per workspace (a
    team id); "" where they are global.
    ``locale`` and ``tz_hint`` are what the platform tells us, used only as suggestions.
    """

    platform: Platform
    workspace: str
    user_id: str
    display_name: str = ""
    locale: str | None = None
    tz_hint: str | None = None
    # Where this was said, "" in a private chat: a server or workspace (when in a
    # channel), or a group chat; and the channel inside it where there is one.
    space: str = ""
    channel: str = ""
    # What the platform says this account may do where it spoke (False in a private chat,
    # and wherever the platform wasn't asked: see CommandSpec.platform_facts), each
    # messenger by its own rules (its adapter documents them).
    # ``can_manage_here``: it may manage this channel or group.
    can_manage_here: bool = False
    # ``is_admin``: an administrator of this server, workspace or group.
    is_admin: bool = False
    # The account's public @name where the messenger has one that people change at will
    # ("" where it doesn't, or they have none): shown to the person in `connections`.
    username: str = ""

    @property
    def label(self) -> str:
        """How the account is shown to its person: its name, and its @name if any."""
        at = f"@{self.username}" if self.username else ""
        if self.display_name and at:
            return f"{self.display_name} ({at})"
        return self.display_name or at


@dataclass(slots=True)
class Person:
    handle: str
    name: str
    timezone: str
    languages: tuple[str, ...]
    created_at: datetime
    quiet_start: int = 21
    quiet_end: int = 8
    paused_until: datetime | None = None
    # The language the bot speaks with them: what they chose with `language` ("": not
    # chosen), else what their messenger last said their app is set to (see core.i18n).
    language: str = ""
    platform_language: str = ""
    id: int | None = None


@dataclass(slots=True)
class PlatformAccount:
    platform: Platform
    workspace: str
    user_id: str
    person_id: int
    display_name: str = ""
    preferred: bool = True
    reachable: bool = True
    created_at: datetime | None = None
    # Where it comes in the person's order for nudges (after ``preferred``): 0 first.
    notify_rank: int = 0
    # When the messenger said the account is no more (deactivated, left the server): kept
    # so `connections` can say so, never sent to again.
    gone_at: datetime | None = None
    id: int | None = field(default=None)


@dataclass(slots=True)
class LinkCode:
    """A one-time code from `connect`: another account of the same person claims it with
    `connect CODE`, and the account that asked for it (``account_id``) confirms. Only its
    hash is kept."""

    person_id: int
    account_id: int
    code_hash: str
    created_at: datetime
    expires_at: datetime
    # The account that sent the code back, waiting for the confirmation.
    claimed_at: datetime | None = None
    claimant_platform: str = ""
    claimant_workspace: str = ""
    claimant_user_id: str = ""
    claimant_name: str = ""
    id: int | None = None
