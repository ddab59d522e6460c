"""What adapters hand to the core: one vocabulary for every messenger.

Each messenger's ``translate`` module turns a platform payload into one of these values
(plus whatever that adapter needs to know to answer, which core never sees), and the
adapter passes it to :meth:`core.hub.Hub.handle`. Core answers with an
:class:`~core.messages.Outcome`, rendered natively by the adapter. (The bounded
memories adapters keep on the way in — replay ids, per-person locks — are in
:mod:`core.memory`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.identity import Platform, UserRef


@dataclass(frozen=True, slots=True)
class Command:
    """A command: ``verb`` with its argument text, as typed after the verb."""

    ref: UserRef
    verb: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """Free text: the answer to the open dialog step, else a command typed without '/'."""

    ref: UserRef
    text: str


@dataclass(frozen=True, slots=True)
class Press:
    """A button press, carrying the button's compact action id (≤ 64 bytes)."""

    ref: UserRef
    action_id: str


@dataclass(frozen=True, slots=True)
class FormSubmit:
    """A whole form at once (a modal): values by field key, for the open dialog."""

    ref: UserRef
    dialog_id: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReachabilityChange:
    """The platform told us whether this account can be messaged: it blocked or
    unblocked the bot, or wrote to us (which proves we can reach it)."""

    ref: UserRef
    reachable: bool


@dataclass(frozen=True, slots=True)
class AccountGone:
    """The messenger says this account is no more (deactivated, left the server): its
    person keeps everything else, and nothing is sent to it again."""

    ref: UserRef


@dataclass(frozen=True, slots=True)
class WorkspaceRemoved:
    """The app was removed from a workspace or guild: nobody there can be messaged."""

    platform: Platform
    workspace: str


@dataclass(frozen=True, slots=True)
class WorkspaceRestored:
    """The app was added (again) to a workspace or guild: a pending purge is called off."""

    platform: Platform
    workspace: str


Inbound = (
    Command
    | Message
    | Press
    | FormSubmit
    | ReachabilityChange
    | AccountGone
    | WorkspaceRemoved
    | WorkspaceRestored
)
