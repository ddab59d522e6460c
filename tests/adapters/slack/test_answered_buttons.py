"""An answered question loses its buttons: the message is replaced in place."""

from __future__ import annotations

from typing import Any

from bots.bootstrap import Mentorhub
from tests.adapters.slack.conftest import PAIRING, Wire, running, say, settle
from tests.fakes.slack_api import FakeSlack


def buttons_of(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_accept_replaces_the_request_with_the_answer_and_no_buttons(
    app: Mentorhub, slack: FakeSlack
) -> None:
    # Dana (U2) mentors in "prog"; Mia (U1) joins as a mentee and asks for Dana.
    await say(app, [*PAIRING[:5], ("U1", "ask @dana_berg")])
    async with running(app, slack) as messenger:
        assert (await app.deliver()).sent >= 1
        request = next(p for p in slack.posted_messages("D_U2") if "Accept" in str(p["blocks"]))
        assert buttons_of(request["blocks"]) == ["Accept", "Decline"]
        posts = len(slack.posted_messages())
        await Wire(messenger, slack).click(request, "Accept", user="U2", name="accept")
        await settle(messenger, slack, posts=posts + 1)  # the answer in the DM
        await slack.wait_for(lambda: slack.response_url_posts("accept"))
    (replaced,) = slack.response_url_posts("accept")
    assert replaced["replace_original"] is True
    assert buttons_of(replaced["blocks"]) == []
    assert replaced["blocks"][-1]["elements"][0]["text"] == "› Accept"
    assert replaced["blocks"][0] == request["blocks"][0]  # the question itself stays
