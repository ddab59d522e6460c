"""Domain errors. Their message is written for the person who caused them and is safe to show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.i18n import _

if TYPE_CHECKING:
    from core.messages import Choice


class MentorhubError(Exception):
    """Base of every error an adapter may show verbatim.

    ``message`` says what went wrong, ``hint`` what to do about it. Neither ever contains
    internals (ids of other people, SQL, stack traces).
    """

    def __init__(
        self, message: str, *, hint: str | None = None, choices: tuple[Choice, ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.choices = choices  # ways out, e.g. one button per pair when it's ambiguous

    def user_text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InvalidInput(MentorhubError):
    """The input can't be used as given; the hint shows a valid form."""


class NotFound(MentorhubError):
    """The thing named does not exist or is not visible to the person asking."""


class NotAllowed(MentorhubError):
    """The person may not do this (wrong role, not their pair, ...)."""


class NotRegistered(NotAllowed):
    def __init__(self) -> None:
        super().__init__(
            _("You're not registered yet."),
            hint=_("Send `start` to register: your name, time zone and languages."),
        )


class Conflict(MentorhubError):
    """The action no longer fits the current state (already answered, already paired, ...)."""
