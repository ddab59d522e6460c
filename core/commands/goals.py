"""Goals (private unless shared with the mentor) and notes (visibility chosen explicitly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.checkins import note_visibility_step
from core.commands.common import PAIR_OPT, PROGRAM_OPT, my_pair, my_program, names, open_pairs
from core.context import Context
from core.dialogs import Data, Flow
from core.errors import NotAllowed, NotFound
from core.i18n import N_, _, p_
from core.messages import Action, Choice, MomentStyle, Notice, Outcome, Reply, moment
from core.model import Goal, Note, Role
from core.registry import Arg, ArgKind, CommandSpec
from core.text import LONG_TEXT_MAX, SHORT_TEXT_MAX, clean_text


async def _my_goal(ctx: Context, args: Mapping[str, Any]) -> Goal:
    goal = await ctx.uow.goals.get(int(args["goal"]))
    if goal is None or goal.owner_id != ctx.my_id():
        raise NotFound(
            _("You have no goal #{goal}.", goal=int(args["goal"])),
            hint=_("Send `goals` to list yours."),
        )
    return goal


async def cmd_goal(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await my_program(ctx, args)
    assert program.id is not None
    taking_part = [
        e
        for e in await ctx.uow.enrollments.of_person(ctx.my_id())
        if e.program_id == program.id and e.active and e.role is not Role.COORDINATOR
    ]
    if not taking_part:  # a goal belongs to a program one takes part in
        raise NotAllowed(
            _(
                "You aren't taking part in {program}, so you can't set goals in it.",
                program=program.name,
            ),
            hint=_("Send `goals` to see yours, or `programs` to join one."),
        )
    text = clean_text(args["text"], what=_("goal"), limit=SHORT_TEXT_MAX)
    goal = await ctx.uow.goals.add(Goal(ctx.my_id(), program.id, text, ctx.now()))
    assert goal.id is not None
    return Outcome(
        [
            Reply(
                _(
                    "Goal #{goal} added. It's private; share it with your mentor if you like.",
                    goal=goal.id,
                ),
                choices=(
                    Choice(
                        _("Share with my mentor"),
                        Action.command("goal_share", str(goal.id)).encode(),
                    ),
                    Choice(_("Mark done"), Action.command("goal_done", str(goal.id)).encode()),
                ),
            )
        ]
    )


def _goal_line(goal: Goal) -> str:
    # Translators: a goal's state; {percent} is its progress (0-100)
    state = p_("goal", "done") if goal.done_at else _("{percent}%", percent=goal.progress)
    shared = p_("goal", "shared") if goal.shared else p_("goal", "private")
    return f"#{goal.id} {goal.text} — {state}, {shared}"


async def cmd_goals(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.my_id()
    replies = []
    mine = await ctx.uow.goals.of_owner(me)
    replies.append(
        Reply(
            "\n".join(map(_goal_line, mine)) or _("No goals yet: `goal <text>`."),
            title=_("Your goals"),
        )
    )
    for pair in await open_pairs(ctx, me):
        if pair.mentor_id != me:
            continue
        shared = [
            g
            for g in await ctx.uow.goals.of_owner(pair.mentee_id)
            if g.shared and g.program_id == pair.program_id
        ]
        if shared:
            (mentee,) = await names(ctx, pair.mentee_id)
            replies.append(
                Reply(
                    "\n".join(map(_goal_line, shared)),
                    title=_("{mentee}'s shared goals", mentee=mentee),
                )
            )
    return Outcome(replies)


async def cmd_goal_done(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    goal = await _my_goal(ctx, args)
    outcome = Outcome(
        [Reply(_("Goal #{goal} done. Well done!", goal=str(goal.id)), title=_("Goal completed"))]
    )
    if goal.done_at is None:
        goal.done_at = ctx.now()
        goal.progress = 100
        await ctx.uow.goals.save(goal)
        if goal.shared:
            outcome.notices += await _tell_mentor(
                ctx,
                goal,
                _("{name} completed a goal: {goal}", name=ctx.me().name, goal=goal.text),
                event="done",
            )
    return outcome


async def cmd_goal_share(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    goal = await _my_goal(ctx, args)
    outcome = Outcome([Reply(_("Goal #{goal} is now visible to your mentor.", goal=str(goal.id)))])
    if not goal.shared:
        goal.shared = True
        await ctx.uow.goals.save(goal)
        outcome.notices += await _tell_mentor(
            ctx,
            goal,
            _("{name} shared a goal with you: {goal}", name=ctx.me().name, goal=goal.text),
            event="shared",
        )
    return outcome


async def cmd_goal_progress(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    goal = await _my_goal(ctx, args)
    goal.progress = int(args["percent"])
    goal.done_at = ctx.now() if goal.progress == 100 else None
    await ctx.uow.goals.save(goal)
    return Outcome([Reply(_goal_line(goal), title=_("Goal updated"))])


async def _tell_mentor(ctx: Context, goal: Goal, text: str, *, event: str) -> list[Notice]:
    # a goal is shared once; it can be done again after its progress went back below 100 %,
    # and each completion is named by when it was recorded
    happened = f"done@{goal.done_at.isoformat()}" if event == "done" and goal.done_at else event
    return [
        Notice(pair.mentor_id, Reply(text), key=f"goal:{goal.id}:{happened}:{pair.mentor_id}")
        for pair in await open_pairs(ctx, ctx.my_id())
        if pair.mentee_id == ctx.my_id() and pair.program_id == goal.program_id
    ]


async def _finish_note(ctx: Context, data: Data) -> Outcome:
    pair_id = int(data["pair_id"])
    note = await ctx.uow.notes.add(
        Note(ctx.my_id(), pair_id, data["text"], bool(data["shared"]), ctx.now())
    )
    pair = await ctx.uow.pairs.get(pair_id)
    assert pair is not None
    saved = (
        _("Note saved; you and your partner can see it.")
        if note.shared
        else _("Note saved; only you can see it.")
    )
    outcome = Outcome([Reply(saved)])
    if note.shared:
        outcome.notices.append(
            Notice(
                pair.partner_of(ctx.my_id()),
                Reply(note.text, title=_("A note from {name}", name=ctx.me().name)),
                key=f"note:{note.id}",
            )
        )
    return outcome


NOTE = Flow(
    name="note",
    # Translators: a noun, as in "Cancelled your note."
    title=N_("note"),
    steps=(note_visibility_step("shared"),),
    finish=_finish_note,
)


async def cmd_note(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    text = clean_text(args["text"], what=_("note"), limit=LONG_TEXT_MAX)
    return await ctx.dialogs.start(ctx, NOTE.name, {"pair_id": pair.id, "text": text})


async def cmd_notes(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args, reading=True)
    assert pair.id is not None
    me = ctx.my_id()
    visible = [n for n in await ctx.uow.notes.of_pair(pair.id) if n.author_id == me or n.shared]
    lines = []
    for note in visible:
        day = moment(note.created_at, MomentStyle.DAY)
        lines.append(f"{day} {await _note_header(ctx, note, me)}: {note.text}")
    return Outcome(
        [
            Reply(
                "\n".join(lines) or _("No notes yet: `note <text>`."),
                title=_("Notes, pair #{pair}", pair=pair.id),
            )
        ]
    )


async def _note_header(ctx: Context, note: Note, me: int) -> str:
    """Who wrote a note and who may see it: "you (private)", "Bea (shared)"."""
    if note.author_id == me:
        return _("you (shared)") if note.shared else _("you (private)")
    (author,) = await names(ctx, note.author_id)
    if note.shared:
        return _("{author} (shared)", author=author)
    return _("{author} (private)", author=author)


def goal_commands() -> list[CommandSpec]:
    goal_id = Arg("goal", ArgKind.INT, N_("the goal's number"), low=1, high=10**9)
    return [
        CommandSpec(
            "goal",
            N_("Add a goal (private unless you share it)"),
            cmd_goal,
            args=(
                PROGRAM_OPT,
                Arg(
                    "text",
                    ArgKind.TEXT,
                    N_("the goal"),
                    rest=True,
                    verbatim=True,
                    max_len=SHORT_TEXT_MAX,
                ),
            ),
            examples=("goal Give a talk at the team meetup",),
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "goals",
            N_("Your goals, and those your mentees share"),
            cmd_goals,
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "goal_done",
            N_("Mark a goal done"),
            cmd_goal_done,
            args=(goal_id,),
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "goal_share",
            N_("Share a goal with your mentor"),
            cmd_goal_share,
            args=(goal_id,),
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "goal_progress",
            N_("Set a goal's progress in percent"),
            cmd_goal_progress,
            args=(goal_id, Arg("percent", ArgKind.INT, N_("0 to 100"), low=0, high=100)),
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "note",
            N_("Keep a note on your pair (you choose who sees it)"),
            cmd_note,
            args=(
                PAIR_OPT,
                Arg(
                    "text",
                    ArgKind.TEXT,
                    N_("the note"),
                    rest=True,
                    verbatim=True,
                    max_len=LONG_TEXT_MAX,
                ),
            ),
            group=N_("Goals and notes"),
        ),
        CommandSpec(
            "notes",
            N_("Notes you can see on your pair"),
            cmd_notes,
            args=(PAIR_OPT,),
            group=N_("Goals and notes"),
        ),
    ]
