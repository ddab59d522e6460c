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
    "confidentiality": "Private to us",
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
        labels = {
            b["block_id"]: [o["text"]["text"] for o in b["element"].get("options", [])]
            for b in view["blocks"]
            if b["type"] == "input"
        }
        answers = {}
        for key, answer in ANSWERS.items():
            own = f"{key}.own" if f"{key}.own" in labels else key
            answers[key if answer in labels.get(key, []) else own] = answer
        ack = await wire.submit(view, answers, user="U1")
        assert ack["response_action"] == "errors"
        [(block, message)] = ack["errors"].items()
        assert block.split(".")[0] == "starts_on"
        assert "date" in message.lower()
        assert await messenger.idle()
    assert len(slack.posted_messages()) == 1  # no "something went wrong" in the DM
    async with app.uow() as uow:
        assert (await uow.dialogs.active("slack:T0001:U1")) is not None  # nothing lost
