"""Shared places in Slack: the optional pair space (a group DM of mentor, mentee and the
app for the intro and shared reminders, posted once for both; nothing private ever goes
there) and a program's announcement channel."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.slack.conftest import AGREEMENT, PAIRING, Wire, running, say
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.timeout(15)

MIA, DANA = "U1", "U2"
SPACE = "G_U1_U2"  # FakeSlack's id for the group DM of U1, U2 (and the app)


def titles(slack: FakeSlack, channel: str) -> list[str]:
    return [post["text"].split("\n")[0] for post in slack.posted_messages(channel)]


def opened_for(slack: FakeSlack) -> list[str]:
    return [str(call.params.get("users")) for call in slack.calls_to("conversations.open")]


async def test_intro_and_shared_reminders_are_posted_once_in_the_pair_space(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    async with running(app, slack, pair_space=True) as messenger:
        await say(app, PAIRING)
        report = await app.deliver()
        assert (report.sent, report.shared) == (3, 1)  # Cora hears of 2 joins; 1 intro for 2
        assert "U1,U2" in opened_for(slack)
        (intro,) = slack.posted_messages(SPACE)
        assert intro["text"].startswith(
            "New mentoring pair\nMia Sousa (mentee), meet Dana Berg (mentor): you're pair #1."
        )
        for dm in (f"D_{MIA}", f"D_{DANA}"):
            assert "New mentoring pair" not in titles(slack, dm)  # no second copy in private

        # Either of them may start the agreement from the shared post; the dialog itself
        # goes to the one who clicked, never into the group.
        wire = Wire(messenger, slack)
        await wire.click(intro, "Propose our agreement", user=DANA, name="propose")
        await slack.wait_for(lambda: slack.posted_messages(f"D_{DANA}"), description="Dana's DM")
        assert await messenger.idle()
        assert slack.posted_messages(f"D_{DANA}")[-1]["text"].startswith("Agreement for pair #1")
        assert len(slack.posted_messages(SPACE)) == 1

        # The agreement (written, 12 weeks from 2 March); its midpoint review is shared.
        await say(app, [("U2", "cancel"), *AGREEMENT])
        await app.deliver()
        clock.set(datetime(2026, 4, 13, 12, 0, tzinfo=UTC))  # midpoint morning for both
        await app.dispatch()
        await app.deliver()
        assert titles(slack, SPACE) == ["New mentoring pair", "Midpoint review"]
        for dm in (f"D_{MIA}", f"D_{DANA}"):
            assert "Midpoint review" not in titles(slack, dm)

        # Run it all again: nothing is posted twice.
        posts = len(slack.posted_messages())
        await app.dispatch()
        assert (await app.deliver()).sent == 0
        assert len(slack.posted_messages()) == posts


async def test_without_the_scope_for_group_dms_everyone_gets_their_own_copy(
    app: Mentorhub, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    builtin = slack._builtin_handler("conversations.open")

    def no_group_dms(params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if "," in str(params.get("users", "")):
            return {"ok": False, "error": "missing_scope", "needed": "mpim:write"}
        return builtin(params, token)

    slack.set_handler("conversations.open", no_group_dms)
    caplog.set_level(logging.INFO)
    async with running(app, slack, pair_space=True):
        await say(app, PAIRING)
        report = await app.deliver()

    assert (report.sent, report.shared, report.unreachable) == (4, 0, 0)
    assert slack.posted_messages(SPACE) == []
    for dm, partner in ((f"D_{MIA}", "Dana Berg"), (f"D_{DANA}", "Mia Sousa")):
        (paired,) = [p for p in slack.posted_messages(dm) if p["text"].startswith("New mentoring")]
        assert f"You're paired with {partner}" in paired["text"]
    assert "pair spaces are turned off" in caplog.text and "mpim:write" in caplog.text
    assert sum("," in users for users in opened_for(slack)) == 1  # not retried per message


async def test_link_in_a_channel_then_announcements_are_posted_there_harmlessly(
    app: Mentorhub, slack: FakeSlack
) -> None:
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await say(app, PAIRING)
        await app.deliver()

        await wire.command("link prog", user="U3", channel="D_U3", name="in-dm")  # not in a DM
        await slack.wait_for(
            lambda: "Send this in the channel" in str(slack.posted_messages("D_U3")),
            description="the refusal",
        )

        slack.set_members("C7", "U1", "U3")  # Cora (U3) is in the channel
        await wire.command("link prog", user="U3", channel="C7", name="link")
        await slack.wait_for(lambda: slack.posted_messages("C7"), description="the welcome")
        assert "announcements will be posted here" in slack.posted_messages("C7")[0]["text"]

        text = "<!channel> kick-off on Friday, ask <@U1>"
        await wire.command(f"announce prog {text}", user="U3", channel="C7", name="announce")
        await slack.wait_for(lambda: len(slack.posted_messages("C7")) == 2)
        assert await messenger.idle()
        posted = slack.posted_messages("C7")[1]
        (section,) = posted["blocks"]
        assert section["text"] == {  # no <!channel>, no <@U1>: plain, verbatim text
            "type": "mrkdwn",
            "text": "*Announcement: Test program*\n@channel kick-off on Friday, ask @U1",
            "verbatim": True,
        }
        assert (await app.deliver()).sent == 2  # and Mia and Dana have it by DM
        for dm in (f"D_{MIA}", f"D_{DANA}"):
            assert titles(slack, dm)[-1] == "Announcement: Test program"


async def linked_in(app: Mentorhub) -> str:
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
    assert program is not None
    return f"{program.space}/{program.channel}"


@pytest.mark.parametrize("link_by", ["members", "admins"])
async def test_only_someone_slack_says_may_manage_the_channel_links_it(
    app: Mentorhub, slack: FakeSlack, link_by: str
) -> None:
    """A coordinator outside the channel (and, with link_by = "admins", one who isn't a
    workspace admin) can't make the bot post there: refused in private, nothing posted."""
    slack.set_user("U3", real_name="Cora Lead")  # not an admin
    others = [f"U{n:04}" for n in range(250)]  # more than a page of conversations.members
    slack.set_members("C7", *others)
    async with running(app, slack, link_by=link_by) as messenger:
        wire = Wire(messenger, slack)
        await say(app, PAIRING)
        await app.deliver()

        await wire.command("link prog", user="U3", channel="C7", name="outsider")
        refusal = "Only someone who manages this channel can link it to Test program."
        await slack.wait_for(
            lambda: (
                refusal in str(slack.posted_messages("D_U3"))
                or refusal in str(slack.response_url_posts())
            ),
            description="the refusal",
        )
        assert slack.posted_messages("C7") == []
        assert await linked_in(app) == "/"
        pages = [c for c in slack.calls if c.method == "conversations.members"]
        # members: both pages read; admins: not an admin, so no need to ask
        assert len(pages) == (2 if link_by == "members" else 0)
        assert all(c.params["channel"] == "C7" for c in pages)

        slack.set_members("C7", *others, "U3")  # now a member, on the second page
        await wire.command("link prog", user="U3", channel="C7", name="member")
        if link_by == "members":
            await slack.wait_for(lambda: slack.posted_messages("C7"), description="welcome")
            assert await linked_in(app) == "slack:T0001/C7"
            return
        await slack.wait_for(
            lambda: (
                str(slack.response_url_posts()).count(refusal)
                + str(slack.posted_messages("D_U3")).count(refusal)
                == 2
            ),
            description="the second refusal",
        )
        assert slack.posted_messages("C7") == []
        slack.set_user("U3", real_name="Cora Lead", is_admin=True)  # a workspace admin
        messenger.directory.forget_team("T0001")  # (profiles are cached for a day)
        await wire.command("link prog", user="U3", channel="C7", name="admin")
        await slack.wait_for(lambda: slack.posted_messages("C7"), description="welcome")
        assert await linked_in(app) == "slack:T0001/C7"


async def test_only_workspace_admins_create_programs_when_so_configured(
    app: Mentorhub, slack: FakeSlack
) -> None:
    """[programs] creators = "admins": Slack's users.info is_admin / is_owner decides."""
    app.hub.settings = dataclasses.replace(app.hub.settings, program_creators="admins")
    slack.set_user("U3", real_name="Cora Lead")
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await say(app, [("U3", 'start "Cora Lead" Europe/London en')])
        await wire.command("newprogram prog Test program", user="U3", name="plain")
        refusal = "Only administrators can create programs here."
        await slack.wait_for(
            lambda: refusal in str(slack.response_url_posts()), description="the refusal"
        )
        slack.set_user("U3", real_name="Cora Lead", is_owner=True)
        messenger.directory.forget_team("T0001")  # (profiles are cached for a day)
        await wire.command("newprogram prog Test program", user="U3", name="owner")
        await slack.wait_for(
            lambda: "you're its coordinator" in str(slack.response_url_posts()),
            description="created",
        )
        assert not any(c.method == "conversations.members" for c in slack.calls)  # not asked
