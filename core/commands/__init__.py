"""All commands and flows, assembled into one registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.accounts import account_commands
from core.commands.agreements import AGREEMENT, agreement_commands
from core.commands.announcements import announcement_commands
from core.commands.checkins import CHECKIN, checkin_commands
from core.commands.common import coordinates_any, coordinator_guard
from core.commands.coordinator import coordinator_commands
from core.commands.dashboard import dashboard_commands
from core.commands.goals import NOTE, goal_commands
from core.commands.language import language_commands
from core.commands.lifecycle import END, FEEDBACK, lifecycle_commands
from core.commands.matching import match_commands
from core.commands.pairing import pairing_commands
from core.commands.people import PROFILE_EDIT, REGISTRATION, people_commands
from core.commands.privacy import privacy_commands
from core.commands.programs import ENROLLMENT, program_commands
from core.commands.relay import relay_commands
from core.context import Context
from core.dialogs import DialogEngine, Flow
from core.errors import NotFound
from core.i18n import _
from core.messages import Outcome, Reply
from core.registry import Access, Registry

FLOWS: tuple[Flow, ...] = (
    REGISTRATION,
    PROFILE_EDIT,
    ENROLLMENT,
    AGREEMENT,
    CHECKIN,
    NOTE,
    END,
    FEEDBACK,
)


def build_registry() -> Registry:
    registry = Registry()

    async def cmd_help(ctx: Context, args: Mapping[str, Any]) -> Outcome:
        """`help <command>` explains it; `help chekin` suggests; anything else that names no
        command ("help me please") is a request for the overview."""
        words = [word.lstrip("/") for word in str(args.get("command") or "").split()]
        named = [spec for word in words if (spec := registry.get(word)) is not None]
        if named:
            # Translators: a title: the help of one command, named as typed.
            title = _("help: {command}", command=named[0].name)
            return Outcome([Reply(named[0].help_text(), title=title)])
        if len(words) == 1 and (guesses := registry.suggest(words[0])):
            raise NotFound(
                _("There's no command '{command}'.", command=words[0][:32]),
                hint=_("Did you mean `{command}`?", command=guesses[0]),
            )
        coordinator = ctx.person is not None and await coordinates_any(ctx)
        return Outcome(
            [
                Reply(
                    registry.overview(registered=ctx.person is not None, coordinator=coordinator),
                    title=_("What you can do"),
                )
            ]
        )

    registry.extend(people_commands(cmd_help))
    registry.extend(privacy_commands())
    registry.extend(account_commands())
    registry.extend(language_commands())
    for commands in (
        program_commands,
        pairing_commands,
        match_commands,
        agreement_commands,
        checkin_commands,
        goal_commands,
        lifecycle_commands,
        coordinator_commands,
        dashboard_commands,
        announcement_commands,
        relay_commands,
    ):
        registry.extend(commands())
    return registry


def build_dialogs(registry: Registry) -> DialogEngine:
    return DialogEngine(FLOWS, is_command=lambda verb: registry.get(verb) is not None)


__all__ = ["FLOWS", "Access", "build_dialogs", "build_registry", "coordinator_guard"]
