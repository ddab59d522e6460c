"""Who may do what, and who may see what.

Coordinator commands are refused to everyone else. Private content (private notes, private
goals, private check-in notes, a mentor's own answers, blocks, end comments, private
feedback) must never reach anyone but its author — whatever command they try.
"""

from __future__ import annotations

import itertools

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from core.registry import Access, ArgKind, CommandSpec
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.world import build_world

SAMPLE = {
    ArgKind.PROGRAM: "prog",
    ArgKind.PERSON: "mia_sousa",
    ArgKind.INT: "1",
    ArgKind.TEXT: "some text here",
    ArgKind.WORD: "word",
    ArgKind.DATE: "2026-12-01",
    ArgKind.TIMEZONE: "UTC",
}


def sample_args(spec: CommandSpec) -> str:
    parts = []
    for arg in spec.args:
        if not arg.required:
            continue
        value = arg.choices[0] if arg.kind is ArgKind.CHOICE else SAMPLE[arg.kind]
        parts.append(f'{arg.name}="{value}"' if arg.named_only else f'"{value}"')
    return " ".join(parts)


def ref(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user.capitalize(), locale="en")


async def test_every_coordinator_command_is_refused_to_participants(app: Mentorhub) -> None:
    await build_world(app)
    coordinator_specs = [
        s for s in app.hub.registry.all(include_hidden=True) if s.access is Access.COORDINATOR
    ]
    assert {s.name for s in coordinator_specs} >= {
        "configure",
        "coordinator",
        "assign",
        "suggest",
        "status",
        "export",
    }
    for user, spec in itertools.product(("dana", "mia", "olga"), coordinator_specs):
        outcome = await app.hub.command(ref(user), spec.name, sample_args(spec))
        texts = " ".join(r.text for r in outcome.replies)
        assert f"Only coordinators of Test program can use `{spec.name}`." in texts, (
            user,
            spec.name,
            texts,
        )
    # and the refusals changed nothing
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        assert program.cadence_days == 7
        assert len(await uow.pairs.of_program(program.id)) == 1


async def test_the_coordinator_can_run_them(app: Mentorhub) -> None:
    await build_world(app)
    outcome = await app.hub.command(ref("cora"), "status", "prog")
    assert outcome.replies[0].title == "Test program: status"


SECRETS = {
    "mia": ["PRIVATE-NOTE-MIA", "PRIVATE-GOAL-MIA", "CHECKIN-NOTE-MIA", "END-COMMENT-MIA"],
    "dana": ["DANA-OWN-PROGRESS", "DANA-OWN-BLOCKERS", "PRIVATE-FEEDBACK-DANA"],
}


async def seed_secrets(app: Mentorhub) -> ConsoleSession:
    c = await build_world(app)
    await c.say("mia", "note PRIVATE-NOTE-MIA about my fears", "#1")  # Only me
    await c.say("mia", "goal PRIVATE-GOAL-MIA to switch teams")
    await c.say("mia", "goal A shared goal everyone may see", "#1")  # shared with mentor
    await c.say("mia", "checkin", "#1", "#2", "Progress the mentor may read", "Nothing", "4")
    await c.say("mia", "CHECKIN-NOTE-MIA just for me", "#1")  # Only me
    await c.say(
        "dana", "checkin", "#1", "#2", "DANA-OWN-PROGRESS notes", "DANA-OWN-BLOCKERS", "4", "#1"
    )
    await c.say("dana", "feedback", "4", "#1", "#1", "PRIVATE-FEEDBACK-DANA for nobody", "#2")
    await c.say("mia", "block erik_lund")
    await c.say("mia", "end", "#2", "3", "END-COMMENT-MIA for coordinators", "#2")
    return c


async def test_no_command_shows_private_content_to_anyone_else(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    c = await seed_secrets(app)
    seen: dict[str, list[str]] = {}
    specs = app.hub.registry.all(include_hidden=True)
    for user in ("dana", "mia", "cora", "erik", "olga"):
        for spec in specs:
            for variant in {sample_args(spec), "pair=1", "prog", ""}:
                outcome = await app.hub.command(ref(user), spec.name, variant)
                seen.setdefault(user, []).extend(r.plain() for r in outcome.replies)
                seen[user].extend(r.attachment.content for r in outcome.replies if r.attachment)
                await app.hub.command(ref(user), "cancel")
    await app.deliver()  # every notice ever queued, printed to its recipient
    for user in seen:
        seen[user].append(told(c.out.getvalue(), user))
    for author, secrets in SECRETS.items():
        for viewer, texts in seen.items():
            if viewer == author:
                continue
            joined = "\n".join(texts)
            for secret in secrets:
                if secret == "END-COMMENT-MIA" and viewer == "cora":
                    continue  # the end comment is addressed to coordinators
                assert secret not in joined, f"{viewer} saw {author}'s {secret}"
    # what was shared does reach the partner
    assert any("A shared goal everyone may see" in t for t in seen["dana"])


async def test_a_block_is_never_revealed(app: Mentorhub) -> None:
    """What a blocked mentee and a coordinator are told about a blocked mentor is word for
    word what they are told about a paused one: a block can't be told apart."""
    c = await build_world(app)
    await c.say("mia", "end", "#2", "3", "#1", "#2")

    async def answers() -> tuple[str, str, str]:
        asked = await app.hub.command(ref("mia"), "ask", "@erik_lund")
        assigned = await app.hub.command(ref("cora"), "assign", "prog mia_sousa erik_lund")
        suggested = await app.hub.command(ref("cora"), "suggest", "prog")
        return (
            "\n".join(r.plain() for r in asked.replies),
            "\n".join(r.plain() for r in assigned.replies),
            "\n".join(r.plain() for r in suggested.replies),
        )

    await c.say("erik", "pause 2026-12-01")
    paused = await answers()
    await c.say("erik", "resume")
    await c.say("erik", "block mia_sousa")
    blocked = await answers()
    assert blocked == paused
    assert "Erik Lund can't take a new mentee right now." in blocked[0]
    for text in blocked:
        assert "block" not in text.lower() and "possible" not in text.lower()
    await c.say("erik", "unblock mia_sousa")
    await c.say("mia", "block erik_lund")  # the mentee's own block reads the same to cora
    assert (await answers())[1:] == paused[1:]


async def test_stale_request_buttons_change_nothing(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    out = await c.say("noah", "ask @erik_lund")
    assert "Noah Sato would like you as their mentor" in told(out, "erik")
    await c.say("erik", "#1")  # Accept
    again = await app.hub.action(ref("erik"), "c:accept:2")  # the same button, pressed again
    already = "You accepted that request already: it's pair #2; nothing changed."
    assert again.replies[0].text == already  # no internal state names
    late = await app.hub.action(ref("erik"), "c:decline:2")
    assert late.replies[0].text == already
    stranger = await app.hub.action(ref("dana"), "c:accept:2")
    assert stranger.replies[0].text == "That request isn't addressed to you."
    async with app.uow() as uow:
        pair = await uow.pairs.get(2)
        assert pair is not None and pair.status.value == "agreeing"


async def test_goals_only_in_a_program_one_takes_part_in(app: Mentorhub) -> None:
    """Olga, a mentee of another program, can't add goals under 'prog'."""
    c = await build_world(app)
    await c.say("cora", "newprogram other Other program")
    await c.say("olga", "enroll other mentee", "figma", "-", "async", "#1")
    out = own(await c.say("olga", "goal program=prog Learn figma"))
    assert "You aren't taking part in Test program, so you can't set goals in it." in out
    out = own(await c.say("olga", "goal program=other Learn figma"))
    assert "Goal #1 added" in out
    olga, other = await olga_id(app), await program_id(app, "other")
    async with app.uow() as uow:
        (goal,) = await uow.goals.of_owner(olga)
    assert goal.program_id == other


async def olga_id(app: Mentorhub) -> int:
    async with app.uow() as uow:
        olga = await uow.people.by_handle("olga_ivanova")
    assert olga is not None and olga.id is not None
    return olga.id


async def program_id(app: Mentorhub, slug: str) -> int:
    async with app.uow() as uow:
        program = await uow.programs.by_slug(slug)
    assert program is not None and program.id is not None
    return program.id


async def test_block_shows_strangers_no_names_and_confirms_no_handles(app: Mentorhub) -> None:
    """Olga takes part in no program: `block #n` used to list everyone's full names, and
    `block @handle` to confirm who exists. Now a stranger reads exactly like nobody."""
    c = await build_world(app)
    names = ("Cora Lead", "Dana Berg", "Erik Lund", "Mia Sousa", "Olga Ivanova")
    for number in range(1, 8):
        out = own(await c.say("olga", f"block #{number}"))
        assert f"There's nobody called #{number} in your programs." in out, out
        assert not any(name in out for name in names)
    known = own(await c.say("olga", "block @dana_berg"))
    unknown = own(await c.say("olga", "block @dana_bergx"))
    assert known.replace("dana_berg", "X") == unknown.replace("dana_bergx", "X")
    assert "Dana" not in known
    out = own(await c.say("olga", "unblock @dana_berg"))
    assert "There's nobody called @dana_berg in your programs." in out
    olga = await olga_id(app)
    async with app.uow() as uow:
        assert await uow.blocks.of_person(olga) == []
    # people who share a program still can, by handle or number
    assert "you won't be paired with Erik Lund" in own(await c.say("mia", "block @erik_lund"))


async def test_coordinating_is_an_invitation_the_person_accepts(app: Mentorhub) -> None:
    """`coordinator` invites: nothing changes until the person accepts; nobody is asked
    twice, nor after declining; someone who blocked the inviter hears nothing, and the
    inviter can't tell."""
    from core.messages import Action

    c = await build_world(app)
    invited = "I've invited Erik Lund to coordinate Test program."
    out = first_invite = await c.say("cora", "coordinator prog erik_lund")
    assert invited in own(out)
    invitation = told(out, "erik")
    assert "Cora Lead invites you to coordinate Test program" in invitation
    assert "[#1 Accept]  [#2 Decline]" in invitation
    assert "Only coordinators" in own(await c.say("erik", "status prog"))  # not yet
    again = await c.say("cora", "coordinator prog erik_lund")
    assert invited in own(again) and told(again, "erik") == ""  # no second message

    decline = Action.command("coordinator_decline", "#1").encode()
    declined = await app.hub.action(ref("erik"), decline)
    assert declined.replies[0].text == "Declined. I won't ask you to coordinate Test program again."
    out = await c.say("cora", "coordinator prog erik_lund")
    assert "Erik Lund declined to coordinate Test program; I won't ask them again." in own(out)
    assert told(out, "erik") == ""
    assert "Only coordinators" in own(await c.say("erik", "status prog"))

    await c.say("dana", "block cora_lead")
    out = await c.say("cora", "coordinator prog dana_berg")
    assert (
        own(out).splitlines()[1:]
        == [  # word for word what any invitation gets
            line.replace("Erik Lund", "Dana Berg") for line in own(first_invite).splitlines()[1:]
        ]
    )
    assert told(out, "dana") == ""  # blocked the sender: nothing reaches her
    accept = Action.command("coordinator_accept", "#1").encode()
    refused = await app.hub.action(ref("dana"), accept)
    assert refused.replies[0].text == "You have no invitation to coordinate Test program."

    out = await c.say("cora", "coordinator prog mia_sousa")
    accepted = await app.hub.action(ref("mia"), accept)
    assert "You now coordinate Test program." in accepted.replies[0].text
    assert "Pairs:" in own(await c.say("mia", "status prog"))
    await app.deliver()
    assert "Mia Sousa accepted: they now coordinate Test program." in told(c.out.getvalue(), "cora")
    stranger = await app.hub.action(ref("olga"), accept)  # a forged button
    assert stranger.replies[0].text == "You have no invitation to coordinate Test program."
