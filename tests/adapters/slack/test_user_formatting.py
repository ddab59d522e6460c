"""User text never formats in Slack: ``*bold*``/``_italic_`` are shown as typed."""

from __future__ import annotations

from bots.bootstrap import Mentorhub
from core.messages import Field, Reply
from tests.adapters.slack.conftest import register, running
from tests.fakes.slack_api import FakeSlack

WJ = "\u2060"


async def test_formatting_marks_in_user_text_stay_inert(app: Mentorhub, slack: FakeSlack) -> None:
    ada = await register(app, "U1", "Ada")
    reply = Reply(
        "Goal: *ship* the _portfolio_ ~now~ with `code`; mia_sousa, 2 * 3",
        title="From *Bob*",
        fields=(Field("Note", "_quiet_"),),
    )
    async with running(app, slack) as messenger:
        await messenger.send(ada, reply)
    [posted] = slack.posted_messages("D_U1")
    section, fields = posted["blocks"]
    assert section["text"]["text"] == (
        f"*From {WJ}*Bob*{WJ}*\n"
        f"Goal: {WJ}*ship*{WJ} the {WJ}_portfolio_{WJ} {WJ}~now~{WJ} with `code`; "
        f"mia_sousa, 2 {WJ}*{WJ} 3"
    )
    assert fields["fields"][0]["text"] == f"*Note*\n{WJ}_quiet_{WJ}"
    assert f"{WJ}*ship*{WJ}" in posted["text"]  # the notification text too
