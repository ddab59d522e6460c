"""People's data rights in chat: privacy, my_data, forget_me."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.common import open_pairs
from core.context import Context
from core.messages import Action, Attachment, Choice, ChoiceStyle, Field, Outcome, Reply
from core.model import Role
from core.privacy import export_json, export_markdown, export_person, forget_person
from core.registry import Access, Arg, ArgKind, CommandSpec
from core.services.wording import counted


def privacy_statement(ctx: Context) -> Reply:
    """What is stored and why, who sees it, how long it's kept, and what one can do about it:
    as titled fields, which every messenger shows as sections."""
    s = ctx.settings
    bullets = "\n".join
    fields = [
        Field(
            "What and why",
            bullets(
                [
                    "• Your profile (name, handle, time zone, languages, quiet hours): so "
                    "people know who you are and reminders come at sensible local times.",
                    "• Your messenger accounts (their ids and display names): to reach you.",
                    "• Your programs, pairs, agreements, goals, check-in answers, notes and "
                    "feedback: that is the mentoring itself.",
                    "• Messages waiting to be sent to you, and your schedule of reminders.",
                ]
            ),
        ),
        Field(
            "Who sees it",
            bullets(
                [
                    "• Private notes, private goals, private check-in notes and whom you "
                    "blocked: only you.",
                    "• Your partner: your name, your agreement, your shared notes and shared "
                    "goals.",
                    "• Your program's coordinators: that you take part, your pairs and whether "
                    "check-ins happen; never your private notes or answers.",
                    "• The people who run this mentorhub can read the database.",
                ]
            ),
        ),
        Field(
            "How long",
            bullets(
                [
                    "• What a pair wrote (notes, agreements, answers, feedback) is deleted "
                    f"{counted(s.keep_ended_pairs_days, 'day')} after the pair ends; the pair "
                    "itself stays as history.",
                    "• A copy of each message sent to you is kept "
                    f"{counted(s.keep_sent_messages_days, 'day')} after it is delivered.",
                    "• If your workspace or server removes mentorhub, its people's data is "
                    f"deleted after {counted(s.removed_workspace_grace_days, 'day')}.",
                    "• Everything else is kept while you take part.",
                ]
            ),
        ),
        Field(
            "Your rights",
            bullets(
                [
                    "• `my_data`: get everything stored about you, as a JSON and a Markdown file.",
                    "• `forget_me`: delete your data for good (you're asked first).",
                ]
            ),
        ),
    ]
    if s.privacy_policy.strip():
        fields.append(Field("Who runs this mentorhub", s.privacy_policy.strip()))
    return Reply(
        "mentorhub stores your name and what you enter in your programs: what it needs to "
        "run your mentoring, and nothing else.",
        title="Privacy",
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
                "Here is everything mentorhub stores about you: the same record as JSON (for "
                "machines) and Markdown (for reading). Your partners' and others' private "
                "notes and answers are not yours, so they aren't included.",
                title="Your data",
                attachment=Attachment(f"{base}.json", export_json(data)),
            ),
            Reply(
                "The readable copy.",
                title="Your data (Markdown)",
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
    ended = (
        f" Your {counted(forgotten.pairs_ended, 'open pair')} ended and your partners were told "
        "kindly, without details."
        if forgotten.pairs_ended
        else ""
    )
    return Outcome(
        [
            Reply(
                "Your data has been deleted: your profile, accounts, programs, goals, notes, "
                f"answers and feedback.{ended} Thank you for taking part. If you ever want to "
                "come back, send `start` to register afresh.",
                title="Forgotten",
            )
        ],
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
            f"Your {counted(len(pairs), 'open pair')} will end; your partners get a short, "
            "kind notice that you left, without details."
        )
    if coordinating:
        also.append(
            f"You coordinate {counted(len(coordinating), 'program')}: make sure someone else "
            "does too (`coordinator`), or they'll have no coordinator."
        )
    extra = ("\n" + "\n".join(also)) if also else ""
    return Reply(
        "This deletes everything mentorhub stores about you: your profile, messenger "
        "accounts, programs, goals, agreements, check-in answers, notes, feedback and "
        "messages waiting for you. Coordinators are only told that a participant left; "
        "your past pairs stay in their records as \u201cwith a former participant\u201d."
        f"{extra}\nIt can't be undone. To keep a copy first, send `my_data`; to keep your "
        "data, just ignore this message.",
        title="Delete all your data?",
        choices=(
            Choice(
                "Delete my data",
                Action.command("forget_me", "confirm=yes").encode(),
                ChoiceStyle.DANGER,
            ),
        ),
    )


def privacy_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "privacy",
            "How mentorhub handles your data",
            cmd_privacy,
            access=Access.ANYONE,
        ),
        CommandSpec(
            "my_data",
            "Get everything stored about you, as files",
            cmd_my_data,
            examples=("my_data",),
            reads_only=True,
        ),
        CommandSpec(
            "forget_me",
            "Delete all your data (asks first)",
            cmd_forget_me,
            args=(
                Arg(
                    "confirm",
                    ArgKind.CHOICE,
                    "yes: delete without asking again",
                    required=False,
                    choices=("yes",),
                    named_only=True,
                ),
            ),
            examples=("forget_me",),
        ),
    ]
