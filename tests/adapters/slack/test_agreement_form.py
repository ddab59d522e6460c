"""The agreement as a modal, through bolt and FakeSlack: field by field checks."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.slack.conftest import PAIRING, Wire, running, say, settle
from tests.fakes.slack_api import FakeSlack

ANSWERS = {
    "goals": "Use the mentee's goals",
    "cadence_days": "Weekly",
    "mode": "Written check-ins",
    "channel": "Here in chat",
    "starts_on": "someday soon",
    "ends_on": "12 weeks",
    "response_hours": "48 hours",
    "confidentiality": "Everything we discuss stays between us",
}


async def test_one_bad_field_keeps_the_modal_open_with_that_field_marked(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    await say(app, PAIRING)
    clock.set(datetime(2026, 2, 27, 10, 0, tzinfo=UTC))
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.command("agree", user="U1", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        await wire.click(prompt, "Fill in as a form", user="U1", name="form")
        (opened,) = await slack.wait_for_calls("views.open")
        view = opened.params["view"]
        view = await wire.pick(view, "starts_on", "Other…", user="U1")
        answers = {key: answer for key, answer in ANSWERS.items() if key != "starts_on"}
        answers["starts_on"] = "Other…"
        answers["starts_on.own"] = "someday soon"
        ack = await wire.submit(view, answers, user="U1")
        assert ack["response_action"] == "errors"
        [(block, message)] = ack["errors"].items()
        assert block == "starts_on.own"  # where it was typed
        assert "date" in message.lower()
        assert await messenger.idle()
    assert len(slack.posted_messages()) == 1  # no "something went wrong" in the DM
    async with app.uow() as uow:
        assert (await uow.dialogs.active("slack:T0001:U1")) is not None  # nothing lost


async def test_the_agreement_modal_reads_like_a_form(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    await say(app, PAIRING)
    clock.set(datetime(2026, 2, 27, 10, 0, tzinfo=UTC))
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.command("agree", user="U1", channel="D_U1")
        prompt = await settle(messenger, slack, posts=1)
        await wire.click(prompt, "Fill in as a form", user="U1", name="form")
        (opened,) = await slack.wait_for_calls("views.open")
        view = opened.params["view"]
        blocks = view["blocks"]
        # One input per field, each once.
        assert [b["block_id"] for b in blocks] == [
            "goals", "cadence_days", "mode", "channel", "meeting_minutes", "starts_on",
            "ends_on", "response_hours", "confidentiality",
        ]  # fmt: skip
        labels = [b["label"]["text"] for b in blocks]
        assert labels == [
            "Goals", "Check-ins", "How you mostly talk", "Where you talk",
            "Meeting length (minutes)", "Start date", "Length",
            "Time to answer messages (hours)", "Confidentiality",
        ]  # fmt: skip
        words = " ".join(labels + [b.get("hint", {}).get("text", "") for b in blocks])
        for chat_wording in ("Tap", "or type", "write your own", "Pick one above", "?"):
            assert chat_wording not in words
        # A field that takes your own words offers "Other…"; a closed one does not.
        options = {
            b["block_id"]: [o["text"]["text"] for o in b["element"]["options"]]
            for b in blocks
            if b["element"]["type"] == "static_select"
        }
        assert options["cadence_days"] == ["Weekly", "Every two weeks", "Monthly", "Other…"]
        assert options["mode"] == ["Written check-ins", "Live chat", "Calls"]
        assert blocks[1]["dispatch_action"] is True and "dispatch_action" not in blocks[2]

        # "Other…" adds one text box right under its select; another pick takes it away.
        other = await wire.pick(view, "cadence_days", "Other…", user="U1")
        ids = [b["block_id"] for b in other["blocks"]]
        assert ids[1:3] == ["cadence_days", "cadence_days.own"] and len(ids) == 10
        assert other["private_metadata"] == view["private_metadata"]
        back = await wire.pick(other, "cadence_days", "Weekly", user="U1")
        assert [b["block_id"] for b in back["blocks"]] == [b["block_id"] for b in blocks]

        # Sent with a number of days typed under "Other…": saved.
        answers = {**ANSWERS, "cadence_days": "Other…", "cadence_days.own": "10"}
        answers["starts_on"] = "Monday 02 Mar"
        del answers["channel"]
        answers["channel"] = "Here in chat"
        ack = await wire.submit(other, answers, user="U1")
        assert ack == {}
        await settle(messenger, slack, posts=2)
    async with app.uow() as uow:
        (agreement,) = await uow.agreements.of_pair(1)
    assert agreement.cadence_days == 10
