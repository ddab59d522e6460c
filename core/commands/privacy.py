"""People's data rights in chat: privacy, my_data, forget_me."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.common import open_pairs
from core.context import Context
from core.i18n import N_, _, n_
from core.messages import Action, Attachment, Choice, ChoiceStyle, Field, Outcome, Reply
from core.model import Role
from core.privacy import export_json, export_markdown, export_person, forget_person
from core.registry import Access, Arg, ArgKind, CommandSpec


def privacy_statement(ctx: Context) -> Reply:
    """What is stored and why, who sees it, how long it's kept, and what one can do about it:
    as titled fields, which every messenger shows as sections."""
    s = ctx.settings
    bullets = "\n".join
    fields = [
        Field(
            _("What and why"),
            bullets(
                [
                    _(
                        "• Your profile (name, handle, time zone, languages, quiet hours): so "
                        "people know who you are and reminders come at sensible local times."
                    ),
                    _("• Your messenger accounts (their ids and display names): to reach you."),
                    _(
                        "• Your programs, pairs, agreements, goals, check-in answers, notes and "
                        "feedback: that is the mentoring itself."
                    ),
                    _("• Messages waiting to be sent to you, and your schedule of reminders."),
                ]
            ),
        ),
        Field(
            _("Who sees it"),
            bullets(
                [
                    _(
                        "• Private notes, private goals, private check-in notes and whom you "
                        "blocked: only you."
                    ),
                    _(
                        "• Your partner: your name, your agreement, your shared notes and shared "
                        "goals."
                    ),
                    _(
                        "• Your program's coordinators: that you take part, your pairs and "
                        "whether check-ins happen; never your private notes or answers."
                    ),
                    _("• The people who run this mentorhub can read the database."),
                ]
            ),
        ),
        Field(
            _("How long"),
            bullets(
                [
                    n_(
                        "• What a pair wrote (notes, agreements, answers, feedback) is deleted "
                        "{count} day after the pair ends; the pair itself stays as history.",
                        "• What a pair wrote (notes, agreements, answers, feedback) is deleted "
                        "{count} days after the pair ends; the pair itself stays as history.",
                        s.keep_ended_pairs_days,
                    ),
                    n_(
                        "• A copy of each message sent to you is kept {count} day after it is "
                        "delivered.",
                        "• A copy of each message sent to you is kept {count} days after it is "
                        "delivered.",
                        s.keep_sent_messages_days,
                    ),
                    n_(
                        "• If your workspace or server removes mentorhub, its people's data is "
                        "deleted after {count} day.",
                        "• If your workspace or server removes mentorhub, its people's data is "
                        "deleted after {count} days.",
                        s.removed_workspace_grace_days,
                    ),
                    _("• Everything else is kept while you take part."),
                ]
            ),
        ),
        Field(
            _("Your rights"),
            bullets(
                [
                    _(
                        "• `my_data`: get everything stored about you, as a JSON and a Markdown "
                        "file."
                    ),
                    _("• `forget_me`: delete your data for good (you're asked first)."),
                ]
            ),
        ),
    ]
    if s.privacy_policy.strip():
        fields.append(Field(_("Who runs this mentorhub"), s.privacy_policy.strip()))
    return Reply(
        _(
            "mentorhub stores your name and what you enter in your programs: what it needs to "
            "run your mentoring, and nothing else."
        ),
        title=_("Privacy"),
        fields=tuple(fields),
    )


async def cmd_privacy(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    return Outcome([privacy_statement(ctx)])


async def cmd_my_data(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    data = await export_person(ctx.uow, ctx.my_id(), ctx.now())
    stamp = ctx.now().strftime("%Y-%m-%d")
    base = f"mentorhub-{person.handle}-{stamp}"
    return Outcome(
        [
            Reply(
                _(
                    "Here is everything mentorhub stores about you: the same record as JSON "
                    "(for machines) and Markdown (for reading). Your partners' and others' "
                    "private notes and answers are not yours, so they aren't included."
                ),
                title=_("Your data"),
                attachment=Attachment(f"{base}.json", export_json(data)),
            ),
            Reply(
                _("The readable copy."),
                title=_("Your data (Markdown)"),
                attachment=Attachment(f"{base}.md", export_markdown(data)),
            ),
        ]
    )


async def cmd_forget_me(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.my_id()
    if args.get("confirm") != "yes":
        return Outcome([await _confirmation(ctx, me)])
    forgotten = await forget_person(ctx.work, me)
    ctx.person = None  # nobody is acting any more: no notice is filtered as "to self"
    deleted = _(
        "Your data has been deleted: your profile, accounts, programs, goals, notes, answers "
        "and feedback."
    )
    ended = (
        " "
        + n_(
            "Your {count} open pair ended and your partners were told kindly, without details.",
            "Your {count} open pairs ended and your partners were told kindly, without details.",
            forgotten.pairs_ended,
        )
        if forgotten.pairs_ended
        else ""
    )
    thanks = _(
        "Thank you for taking part. If you ever want to come back, send `start` to register afresh."
    )
    return Outcome(
        [Reply(f"{deleted}{ended} {thanks}", title=_("Forgotten"))],
        forgotten.notices,
    )


async def _confirmation(ctx: Context, me: int) -> Reply:
    pairs = await open_pairs(ctx, me)
    coordinating = [
        e for e in await ctx.uow.enrollments.of_person(me) if e.role is Role.COORDINATOR
    ]
    also = []
    if pairs:
        also.append(
            n_(
                "Your {count} open pair will end; your partners get a short, kind notice that "
                "you left, without details.",
                "Your {count} open pairs will end; your partners get a short, kind notice that "
                "you left, without details.",
                len(pairs),
            )
        )
    if coordinating:
        also.append(
            n_(
                "You coordinate {count} program: make sure someone else does too "
                "(`coordinator`), or they'll have no coordinator.",
                "You coordinate {count} programs: make sure someone else does too "
                "(`coordinator`), or they'll have no coordinator.",
                len(coordinating),
            )
        )
    extra = ("\n" + "\n".join(also)) if also else ""
    deletes = _(
        "This deletes everything mentorhub stores about you: your profile, messenger "
        "accounts, programs, goals, agreements, check-in answers, notes, feedback and "
        "messages waiting for you. Coordinators are only told that a participant left; "
        "your past pairs stay in their records as \u201cwith a former participant\u201d."
    )
    undone = _(
        "It can't be undone. To keep a copy first, send `my_data`; to keep your data, just "
        "ignore this message."
    )
    return Reply(
        f"{deletes}{extra}\n{undone}",
        title=_("Delete all your data?"),
        choices=(
            Choice(
                _("Delete my data"),
                Action.command("forget_me", "confirm=yes").encode(),
                ChoiceStyle.DANGER,
            ),
        ),
    )


def privacy_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "privacy",
            N_("How mentorhub handles your data"),
            cmd_privacy,
            access=Access.ANYONE,
        ),
        CommandSpec(
            "my_data",
            N_("Get everything stored about you, as files"),
            cmd_my_data,
            examples=("my_data",),
            reads_only=True,
        ),
        CommandSpec(
            "forget_me",
            N_("Delete all your data (asks first)"),
            cmd_forget_me,
            args=(
                Arg(
                    "confirm",
                    ArgKind.CHOICE,
                    N_("yes: delete without asking again"),
                    required=False,
                    choices=("yes",),
                    named_only=True,
                ),
            ),
            examples=("forget_me",),
        ),
    ]
