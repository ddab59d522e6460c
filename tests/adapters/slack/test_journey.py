"""End to end in Slack: two people join, a coordinator pairs them, the mentee proposes the
agreement in a modal (a field error first), the mentor confirms by button, and the mentee
completes the first check-in by buttons and a DM. Real bolt and slack-sdk, the real Hub,
FakeSlack; notices go out through the outbox and the Slack sender (``app.deliver()``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.slack.conftest import BOT_TOKEN, Wire, running
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.timeout(10)

MIA, DANA, CORA = "U1", "U2", "U3"


class Inbox:
    """New ``chat.postMessage`` posts per DM channel, as each person would see them."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.slack = wire.slack
        self.seen: dict[str, int] = {}

    async def next(self, user: str) -> dict[str, Any]:
        """The next unread post in ``user``'s DM (waits for it and the handler behind it)."""
        channel = f"D_{user}"
        seen = self.seen.get(channel, 0)
        await self.slack.wait_for(
            lambda: len(self.slack.posted_messages(channel)) > seen,
            description=f"a new post in {channel}",
        )
        assert await self.wire.messenger.idle()
        self.seen[channel] = seen + 1
        return self.slack.posted_messages(channel)[seen]

    def unread(self) -> dict[str, list[str]]:
        posts: dict[str, list[str]] = {}
        for post in self.slack.posted_messages():
            posts.setdefault(post["channel"], []).append(post["text"])
        return {
            channel: texts[self.seen.get(channel, 0) :]
            for channel, texts in posts.items()
            if len(texts) > self.seen.get(channel, 0)
        }


def buttons(post: dict[str, Any]) -> list[str]:
    return [
        element["text"]["text"]
        for block in post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def mrkdwn_of(post: dict[str, Any]) -> str:
    """Every mrkdwn text of a post, as Slack would parse it."""
    texts = []
    for block in post["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(f["text"] for f in block.get("fields", []))
        texts.extend(e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn")
    return "\n".join(texts)


def methods_since(slack: FakeSlack, mark: int) -> list[str]:
    return [call.method for call in slack.calls[mark:]]


async def join(wire: Wire, inbox: Inbox, user: str, name: str, zone: str, languages: str) -> None:
    """/mentor start in the DM: the name and zone Slack knows, by button; languages typed."""
    await wire.command("start", user=user, channel=f"D_{user}")
    name_prompt = await inbox.next(user)
    await wire.click(name_prompt, f"Use “{name}”", user=user)
    zone_prompt = await inbox.next(user)
    await wire.click(zone_prompt, zone, user=user)
    await inbox.next(user)  # which languages?
    await wire.dm(languages, user=user)
    welcome = await inbox.next(user)
    assert welcome["blocks"][0]["text"]["text"].startswith(
        f"*Welcome!*\nYou're registered, {name}."
    )


async def test_join_pair_agree_in_a_modal_and_check_in(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    slack.set_user(MIA, tz="Europe/Lisbon", real_name="Mia Sousa")
    slack.set_user(DANA, tz="Europe/Berlin", real_name="Dana Berg")
    slack.set_user(CORA, tz="Europe/London", real_name="Cora Lead")
    # A person answers far slower than a test: the fixture's pacing stays out of the way.
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        inbox = Inbox(wire)

        # -- two people join by dialog; a coordinator registers in one go ------------------
        await join(wire, inbox, MIA, "Mia Sousa", "Europe/Lisbon", "en, pt")
        await join(wire, inbox, DANA, "Dana Berg", "Europe/Berlin", "en, de")
        await wire.command('start "Cora Lead" Europe/London en', user=CORA, name="cora-start")
        await wire.command("newprogram prog Test program", user=CORA, name="cora-new")
        await slack.wait_for(lambda: slack.response_url_posts("cora-new"))
        (created,) = slack.response_url_posts("cora-new")
        assert created["blocks"][0]["text"]["text"].startswith("*Program created*")

        # -- both enroll: typed answers in the DM, buttons for the rest ----------------------
        await wire.command("enroll prog mentor 2", user=DANA, channel="C1", name="dana-enroll")
        assert (await inbox.next(DANA))["text"].startswith("What can you help with?")
        await wire.dm("figma, career", user=DANA)
        await wire.click(await inbox.next(DANA), "Written check-ins", user=DANA)
        await wire.click(await inbox.next(DANA), "Skip", user=DANA)  # availability
        assert (await inbox.next(DANA))["text"].startswith("Joined\nYou're in Test program")

        await wire.command("enroll prog mentee", user=MIA, channel="D_U1")
        assert (await inbox.next(MIA))["text"].startswith("What would you like to learn?")
        await wire.dm("figma, portfolio", user=MIA)
        await inbox.next(MIA)  # your goals?
        await wire.dm("Get a design job", user=MIA)
        await wire.click(await inbox.next(MIA), "Written check-ins", user=MIA)
        await wire.click(await inbox.next(MIA), "Skip", user=MIA)
        assert (await inbox.next(MIA))["text"].startswith("Joined\nYou're in Test program")

        assert (await app.deliver()).sent == 2  # the coordinator hears of both
        for joined in ("Dana Berg joined", "Mia Sousa joined"):
            assert joined in (await inbox.next(CORA))["text"]

        # -- the coordinator pairs them: both get a DM -------------------------------------
        await wire.command("assign prog mia_sousa dana_berg", user=CORA, name="assign")
        await slack.wait_for(lambda: slack.response_url_posts("assign"))
        assert slack.response_url_posts("assign")[0]["text"].startswith("Pair created")
        mark = len(slack.calls)
        assert (await app.deliver()).sent == 2
        assert methods_since(slack, mark) == ["chat.postMessage"] * 2  # DM channels cached
        paired = await inbox.next(MIA)
        assert paired["text"].startswith("New mentoring pair\nYou're paired with Dana Berg")
        assert buttons(paired) == ["Propose our agreement"]
        assert (await inbox.next(DANA))["text"].startswith("New mentoring pair")

        # -- Mia proposes the agreement in a modal ----------------------------------------
        await wire.click(paired, "Propose our agreement", user=MIA)
        goals_prompt = await inbox.next(MIA)
        assert goals_prompt["text"].startswith("Agreement for pair #1 (1/8)")
        assert buttons(goals_prompt) == ["Use the mentee's goals", "Fill in as a form", "Cancel"]

        mark = len(slack.calls)
        clicked_at = time.perf_counter()
        click = await wire.click(goals_prompt, "Fill in as a form", user=MIA, name="form")
        (opened,) = await slack.wait_for_calls("views.open")
        opened_after = time.perf_counter() - clicked_at
        assert await messenger.idle()
        assert methods_since(slack, mark) == ["views.open"]  # nothing else: no post, no note
        assert opened_after < 1.0, f"views.open {opened_after:.3f} s after the click"  # 3 s
        assert (opened.params["trigger_id"], opened.token) == (click["trigger_id"], BOT_TOKEN)
        view = opened.params["view"]
        assert (view["callback_id"], view["title"]["text"]) == ("mh_form", "Agreement proposal")
        dialog_id = view["private_metadata"]
        assert dialog_id == click["actions"][0]["value"]
        assert [b["block_id"] for b in view["blocks"]] == [
            "goals", "cadence_days", "mode", "channel", "meeting_minutes", "starts_on",
            "ends_on", "response_hours", "confidentiality",
        ]  # fmt: skip
        assert view["blocks"][2]["element"]["type"] == "static_select"  # mode: choices only
        assert view["blocks"][2]["optional"] is False
        mark = len(slack.calls)
        view = await wire.pick(view, "goals", "Other…", user=MIA)
        view = await wire.pick(view, "meeting_minutes", "Other…", user=MIA)
        assert methods_since(slack, mark) == ["views.update", "views.update"]

        goals = "<!channel> ship a *portfolio* & <https://evil.example|win a prize>"
        answers = {
            "goals": "Other…",
            "goals.own": goals,  # plain_text_input values arrive as typed
            "cadence_days": "Weekly",
            "mode": "Calls",  # a live mode: the meeting length is asked
            "channel": "Here in chat",
            "meeting_minutes": "Other…",
            "meeting_minutes.own": "999",  # out of range
            "starts_on": "Monday 09 Mar",
            "ends_on": "12 weeks",
            "response_hours": "48 hours",
            "confidentiality": "Everything we discuss stays between us",
        }
        mark = len(slack.calls)
        ack = await wire.submit(view, answers, user=MIA)
        assert ack == {
            "response_action": "errors",
            "errors": {
                "meeting_minutes.own": "The meeting length must be from 5 to 240; you wrote 999."
            },
        }
        assert await messenger.idle()
        assert methods_since(slack, mark) == []  # the modal stays open; nothing else happens
        async with app.uow() as uow:
            assert await uow.agreements.of_pair(1) == []

        view = await wire.pick(view, "meeting_minutes", "30", user=MIA)  # the box goes
        del answers["meeting_minutes.own"]
        answers["meeting_minutes"] = "30"
        mark = len(slack.calls)
        assert await wire.submit(view, answers, user=MIA) == {}  # closes the modal
        proposal_copy = await inbox.next(MIA)
        assert methods_since(slack, mark) == ["response_url", "chat.postMessage"]
        (resolved,) = slack.response_url_posts("form")  # the prompt loses its buttons
        assert resolved["replace_original"] is True
        assert [b["type"] for b in resolved["blocks"]] == ["section", "context"]
        assert resolved["blocks"][1]["elements"][0]["text"] == "› Filled in as a form"
        assert proposal_copy["text"].startswith("Your proposal (version 1)\nSent to Dana Berg.")

        # The goals reach Dana as text: no @channel, no link, Slack sees no markup.
        assert (await app.deliver()).sent == 1
        proposal = await inbox.next(DANA)
        assert proposal["text"].startswith("Agreement proposal for pair #1\nMia Sousa proposed")
        goals_field = proposal["blocks"][1]["fields"][0]
        assert goals_field == {
            "type": "mrkdwn",
            "text": "*Goals*\n&lt;!channel&gt; ship a \u2060*portfolio*\u2060 &amp; "
            "&lt;https://evil.example|win a prize&gt;",
            "verbatim": True,
        }
        assert "<!channel>" not in str(proposal) and "<https:" not in str(proposal)
        assert buttons(proposal) == ["Confirm", "Suggest changes"]

        # -- Dana confirms by button; Mia hears it ----------------------------------------
        await wire.click(proposal, "Confirm", user=DANA, name="confirm")
        confirmed = await inbox.next(DANA)
        assert confirmed["text"].startswith("Agreement confirmed\nAgreement version 1 is in force")
        await slack.wait_for(lambda: slack.response_url_posts("confirm"))
        (answered,) = slack.response_url_posts("confirm")  # the proposal, answered in place
        assert answered["replace_original"] is True
        assert buttons(answered) == []
        assert answered["blocks"][-1]["elements"][0]["text"] == "› Confirm"
        assert (await app.deliver()).sent == 1
        assert (await inbox.next(MIA))["text"].startswith("Agreement confirmed")

        # -- the first period opens: Mia checks in by buttons and one DM ------------------
        clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
        await wire.command("checkin", user=MIA, channel="D_U1")
        met = await inbox.next(MIA)
        assert met["text"].startswith("Check-in 1 for pair #1\nDid you meet or talk")
        assert buttons(met) == ["Yes", "No", "Fill in as a form", "Cancel"]
        await wire.click(met, "Yes", user=MIA)
        await wire.click(await inbox.next(MIA), "30", user=MIA)  # minutes
        progress = await inbox.next(MIA)
        assert progress["text"] == "What progress did you make toward the goals you agreed on?"
        assert buttons(progress) == ["Fill in as a form", "Cancel"]  # typed, in the DM
        # What Slack sends when Mia types "<!here> finished the case study & " literally and
        # then mentions Dana: the typed brackets escaped, the mention as markup.
        await wire.dm("&lt;!here&gt; finished the case study &amp; <@U2|dana>", user=MIA)
        await wire.click(await inbox.next(MIA), "Nothing", user=MIA)  # blockers
        await wire.click(await inbox.next(MIA), "4", user=MIA)  # rating
        await wire.click(await inbox.next(MIA), "Skip", user=MIA)  # note
        saved = await inbox.next(MIA)
        assert saved["text"].startswith("Check-in saved\nThanks — check-in 1 recorded.")

        # Dana's brief: Mia's words, harmless.
        mark = len(slack.calls)
        assert (await app.deliver()).sent == 1
        assert methods_since(slack, mark) == ["chat.postMessage"]
        brief = await inbox.next(DANA)
        assert brief["text"].startswith("Check-in 1, pair #1\nMia Sousa checked in.")
        assert brief["blocks"][1]["fields"][1]["text"] == (
            "*What progress did you make toward the goals you agreed on?*\n"
            "&lt;!here&gt; finished the case study &amp; @dana"
        )
        assert "<!here>" not in str(brief) and "<@U2" not in str(brief)

    assert inbox.unread() == {}
    async with app.uow() as uow:
        (agreement,) = await uow.agreements.of_pair(1)
        (checkin,) = await uow.checkins.of_pair(1)
        assert checkin.id is not None
        (answer,) = await uow.answers.of_checkin(checkin.id)
    assert (agreement.status, agreement.meeting_minutes, agreement.goals) == (
        "confirmed",
        30,
        goals,
    )
    assert answer.answers[0] == "<!here> finished the case study & @dana"  # stored plain
    assert (answer.met, answer.minutes, answer.rating) == (True, 30, 4)

    # Every Web API call of the whole journey: one auth.test, one users.info and one
    # conversations.open per person, one modal (updated for each "Other…" and back), and
    # the messages.
    counts: dict[str, int] = {}
    for call in slack.calls:
        counts[call.method] = counts.get(call.method, 0) + 1
    assert counts == {
        "auth.test": 1,
        "users.info": 3,
        "conversations.open": 3,
        "views.open": 1,
        "views.update": 3,
        "chat.postMessage": len(slack.posted_messages()),
        "response_url": len(slack.response_url_posts()),
    }
    assert all(call.ok for call in slack.calls)
    assert {call.token for call in slack.calls if call.method != "response_url"} == {BOT_TOKEN}
