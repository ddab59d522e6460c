"""A member deactivated in Slack: ``user_change`` with ``deleted`` marks their account
gone; the person keeps their other accounts, and `connections` says which is gone."""

from __future__ import annotations

import re

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from tests.adapters.slack.conftest import TEAM, Wire, account, register, running
from tests.fakes.slack_api import FakeSlack, event_callback_payload

CONSOLE = UserRef(Platform("console"), "", "ada_laptop", display_name="Ada laptop")


async def test_a_deactivated_member_is_gone_and_keeps_their_other_account(
    app: Mentorhub, slack: FakeSlack
) -> None:
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await register(app, "U1", "Ada Lovelace")
        await wire.command("connect", user="U1", channel="D_U1")
        assert await messenger.idle()
        code = re.search(r"Your code: ([A-Z2-9]{8})", slack.posted_messages("D_U1")[-1]["text"])
        assert code
        await app.hub.command(CONSOLE, "connect", code.group(1))
        await app.deliver()
        assert await messenger.idle()
        await wire.click(slack.posted_messages("D_U1")[-1], "Yes, connect it", user="U1")
        assert await messenger.idle()

        # a profile edit is not a deactivation
        changed = slack.deactivate("U1")
        changed["user"]["deleted"] = False
        slack.set_user("U1", real_name="Ada Lovelace")
        await wire.event(event_callback_payload(changed))
        assert await messenger.idle()
        assert (await account(app, "U1")).gone_at is None

        await wire.event(event_callback_payload(slack.deactivate("U1"), team_id=TEAM))
        assert await messenger.idle()
        gone = await account(app, "U1")
        assert gone.gone_at is not None and not gone.reachable
        (shown,) = (await app.hub.command(CONSOLE, "connections")).replies
        assert "Slack: U1 (gone: the messenger says this account no longer exists)" in (
            shown.plain()
        )
        assert "Console: Ada laptop (reminders go here" in shown.plain()
        posts = len(slack.posted_messages())
        refused = await app.hub.command(CONSOLE, "profile", "notify slack")
        assert "You have no slack account to send to." in refused.replies[0].text
        assert len(slack.posted_messages()) == posts
