"""`dashboard <program>`: a coordinator asks for a one-time link to the program's dashboard.

The link is like a `connect` code: only its hash is kept, it works once and for ten
minutes, and it opens a session for this person and this program only. It is sent only in
a private chat, so nobody else in a group sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.common import PROGRAM_ARG, spend_allowance
from core.context import Context
from core.dashboard.records import SIGNIN_VALID, WebSignin, new_secret, secret_hash
from core.errors import Conflict, NotAllowed
from core.i18n import N_, _, n_
from core.messages import Outcome, Reply
from core.model import Program
from core.registry import Access, CommandSpec, ForCoordinators

SIGNIN_PATH = "/signin/"
ISSUED = "web_link"
LINKS_PER_HOUR = 10


async def cmd_dashboard(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    base = ctx.settings.dashboard_url
    if not base:
        raise Conflict(
            _(
                "The dashboard isn't turned on for this mentorhub: its operator hasn't "
                "enabled the [web] section of the configuration."
            ),
            hint=_(
                "Meanwhile `status {program}` and `export {program}` work here.",
                program=program.slug,
            ),
        )
    if ctx.ref.space:
        raise NotAllowed(
            _(
                "A dashboard link is yours alone: ask for it in a private chat with me, "
                "not in a group."
            ),
            hint=_("Send `dashboard {program}` to me directly.", program=program.slug),
        )
    person = ctx.me()
    assert person.id is not None and program.id is not None
    assert ctx.account is not None and ctx.account.id is not None
    too_many = NotAllowed(
        n_(
            "You asked for {count} dashboard link in the last hour.",
            "You asked for {count} dashboard links in the last hour.",
            LINKS_PER_HOUR,
        ),
        hint=_("Use the latest one, or try again later."),
    )
    await spend_allowance(
        ctx, f"person:{person.id}", ISSUED, per_hour=LINKS_PER_HOUR, refused=too_many
    )
    now = ctx.now()
    token = new_secret()
    await ctx.uow.web.add_signin(
        WebSignin(
            person_id=person.id,
            account_id=ctx.account.id,
            program_id=program.id,
            token_hash=secret_hash(token),
            created_at=now,
            expires_at=now + SIGNIN_VALID,
        )
    )
    minutes = int(SIGNIN_VALID.total_seconds() // 60)
    link = f"{base.rstrip('/')}{SIGNIN_PATH}{token}"
    return Outcome(
        [
            Reply(
                n_(
                    "Open this link within {count} minute to sign in to the dashboard of "
                    "{program}:\n{link}\nIt works once, only for you: never forward it.",
                    "Open this link within {count} minutes to sign in to the dashboard of "
                    "{program}:\n{link}\nIt works once, only for you: never forward it.",
                    minutes,
                    program=program.name,
                    link=link,
                ),
                title=_("{program}: dashboard", program=program.name),
            )
        ]
    )


def dashboard_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "dashboard",
            N_("A one-time link to a program's dashboard in your browser"),
            ForCoordinators(cmd_dashboard),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            group=N_("Coordinators"),
            examples=("dashboard design-2026",),
        ),
    ]
