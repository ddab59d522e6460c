"""The real slack-bolt / slack-sdk inside SlackMessenger, against FakeSlack, through the real Hub.

``Wire`` sends what Slack would send, over HTTP (signed requests) or Socket Mode
(envelopes on the fake's websocket), so one scenario runs over both transports.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.slack.adapter import SlackMessenger, SlackSettings
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Platform, PlatformAccount, UserRef
from core.pacing import UNLIMITED, Pacer, PlatformPacing
from tests.conftest import make_app
from tests.fakes.slack_api import (
    FakeSlack,
    block_actions_payload,
    event_callback_payload,
    message_event,
    post_signed,
    slash_command_payload,
    view_submission_payload,
)

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0001-test"
SECRET = "signing-secret"
TEAM = "T0001"

pytestmark = pytest.mark.timeout(15)


@pytest.fixture
async def app(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Mentorhub]:
    """SQLite only: these tests are about Slack; both backends are covered in tests/storage
    and tests/core (reachability included)."""
    hub_app = make_app(sqlite_url, clock)
    try:
        yield hub_app
    finally:
        await hub_app.close()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.set_user("U1", tz="Europe/Berlin", real_name="Ada Lovelace", display_name="ada")
        fake.set_user("U2", tz="America/New_York", real_name="Bob Builder")
        yield fake


@asynccontextmanager
async def running(
    app: Mentorhub,
    slack: FakeSlack,
    *,
    mode: str = "http",
    pacer: Pacer | None = None,
    pacing: PlatformPacing | None = None,
    pair_space: bool = False,
    link_by: str = "members",
) -> AsyncIterator[SlackMessenger]:
    settings = SlackSettings(
        mode=mode,  # type: ignore[arg-type]
        port=0,
        base_url=slack.api_url,
        pair_space=pair_space,
        link_by=link_by,  # type: ignore[arg-type]
    )
    messenger = SlackMessenger(
        app.hub,
        settings=settings,
        bot_token=BOT_TOKEN,
        signing_secret=SECRET,
        app_token=APP_TOKEN,
        pacer=pacer or Pacer(),
        # A person answers far slower than tests do: unless a test is about pacing, no
        # conversation pace keeps tests off the clock.
        pacing=pacing or PlatformPacing(Platform("slack"), conversation_rate=UNLIMITED),
    )
    await messenger.start()
    app.outlets.add(messenger)
    try:
        yield messenger
    finally:
        await messenger.stop()


def form(payload: dict[str, Any]) -> bytes:
    return ("payload=" + urllib.parse.quote(json.dumps(payload))).encode()


class Wire:
    """Inbound traffic as Slack sends it, over the messenger's transport."""

    def __init__(self, messenger: SlackMessenger, slack: FakeSlack) -> None:
        self.messenger = messenger
        self.slack = slack
        self.socket = messenger.settings.mode == "socket"

    async def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", name: str = "cmd"
    ) -> None:
        payload = slash_command_payload(
            user_id=user, text=text, channel_id=channel, response_url=self.slack.response_url(name)
        )
        await self._deliver("slash_commands", payload)

    async def click(
        self,
        post: dict[str, Any],
        label: str,
        *,
        user: str = "U1",
        name: str = "click",
        ephemeral: bool = False,
        channel: str | None = None,
    ) -> dict[str, Any]:
        """Press the button labelled ``label`` in ``post`` (a message we posted); returns
        the payload sent (its ``trigger_id`` is what a modal must be opened with)."""
        button = next(
            element
            for block in post["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["text"]["text"] == label
        )
        payload = block_actions_payload(
            user_id=user,
            action_id=button["action_id"],
            value=button["value"],
            button_text=label,
            channel_id=channel or post.get("channel") or f"D_{user}",
            response_url=self.slack.response_url(name),
        )
        if ephemeral:
            payload["container"]["is_ephemeral"] = True
        else:  # Slack echoes the clicked message (not for ephemeral ones)
            payload["message"] = {"type": "message", "text": post["text"], "blocks": post["blocks"]}
        await self._deliver("interactive", payload)
        return payload

    async def submit(
        self, view: dict[str, Any], answers: dict[str, str], *, user: str = "U1"
    ) -> dict[str, Any]:
        """Submit ``view`` (as opened by views.open) filled with ``answers`` (block id →
        typed text, or an option's label for a select); returns the ack's body."""
        payload = view_submission_payload(
            user_id=user,
            callback_id=view["callback_id"],
            private_metadata=view["private_metadata"],
            values=state_of(view, answers),
            blocks=view["blocks"],
            title=view["title"]["text"],
        )
        return await self._deliver("interactive", payload)

    async def pick(
        self, view: dict[str, Any], block_id: str, label: str, *, user: str = "U1"
    ) -> dict[str, Any]:
        """Pick the option labelled ``label`` in the select ``block_id`` of an open modal
        (a dispatched pick, as Slack sends it); returns the view as it is then: updated by
        ``views.update`` if the app updated it, else unchanged."""
        block = next(b for b in view["blocks"] if b["block_id"] == block_id)
        option = next(o for o in block["element"]["options"] if o["text"]["text"] == label)
        opened = {"id": "V_MODAL", "hash": "1700000000.h1", **view, "state": {"values": {}}}
        payload = block_actions_payload(
            user_id=user,
            action_id=block["element"]["action_id"],
            block_id=block_id,
            action_type="static_select",
            view=opened,
            extra_action_fields={"selected_option": option},
        )
        updates = len(self.slack.calls_to("views.update"))
        await self._deliver("interactive", payload)
        assert await self.messenger.idle()
        calls = self.slack.calls_to("views.update")
        if len(calls) == updates:
            return view
        update = calls[-1].params
        assert (update["view_id"], update["hash"]) == ("V_MODAL", "1700000000.h1")
        return dict(update["view"])

    async def dm(self, text: str, *, user: str = "U1", event_id: str | None = None) -> None:
        payload = event_callback_payload(message_event(user_id=user, text=text), event_id=event_id)
        await self._deliver("events_api", payload)

    async def event(self, payload: dict[str, Any]) -> None:
        await self._deliver("events_api", payload)

    async def _deliver(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request; returns the body of the app's answer ({} when empty)."""
        if self.socket:
            envelope_id = await self.slack.socket_send(kind, payload)
            ack = await self.slack.wait_for_ack(envelope_id)
            return dict(ack.get("payload") or {})
        if kind == "slash_commands":
            body = urllib.parse.urlencode(payload).encode()
        elif kind == "interactive":
            body = form(payload)
        else:
            body = json.dumps(payload).encode()
        response = await post_signed(self.messenger.url, body, secret=SECRET)
        assert response.status == 200, response
        return dict(json.loads(response.text)) if response.text.strip() else {}


def state_of(view: dict[str, Any], answers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A modal's ``state.values`` as Slack sends it: every input block, empty or not."""
    state: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        if element["type"] == "static_select":
            chosen = next((o for o in element["options"] if o["text"]["text"] == answer), None)
            assert answer is None or chosen is not None, f"no option {answer!r}"
            value: dict[str, Any] = {"type": "static_select", "selected_option": chosen}
        else:
            value = {"type": element["type"], "value": answer}
        state[block["block_id"]] = {element["action_id"]: value}
    unknown = set(answers) - set(state)
    assert not unknown, f"no such blocks: {unknown}"
    return state


async def settle(messenger: SlackMessenger, slack: FakeSlack, *, posts: int) -> dict[str, Any]:
    """Wait for the ``posts``-th chat.postMessage and the handler behind it; return it."""
    await slack.wait_for(
        lambda: len(slack.posted_messages()) >= posts, description=f"{posts} post(s)"
    )
    assert await messenger.idle()
    return slack.posted_messages()[posts - 1]


def ref(user: str) -> UserRef:
    return UserRef(Platform("slack"), TEAM, user, display_name=user)


async def account(app: Mentorhub, user: str) -> PlatformAccount:
    async with app.uow() as uow:
        found = await uow.accounts.find(Platform("slack"), TEAM, user)
    assert found is not None
    return found


async def register(app: Mentorhub, user: str, name: str) -> PlatformAccount:
    outcome = await app.hub.command(ref(user), "start", f'"{name}" Europe/Berlin en')
    assert outcome.replies[0].title == "Welcome!", outcome.replies
    return await account(app, user)


PAIRING = [
    ("U3", 'start "Cora Lead" Europe/London en', "newprogram prog Test program"),
    ("U2", 'start "Dana Berg" Europe/Berlin en', "enroll prog mentor 2", "figma", "async"),
    ("U2", "Skip"),
    ("U1", 'start "Mia Sousa" Europe/Lisbon en', "enroll prog mentee", "figma", "A job"),
    ("U1", "async", "Skip"),
    ("U3", "assign prog mia_sousa dana_berg"),
]
AGREEMENT = [  # 12 weeks from Monday 2 March 2026
    ("U1", "agree", "Use the mentee's goals", "weekly", "async", "here in chat"),
    ("U1", "2026-03-02", "12w", "48", "private"),
    ("U2", "confirm"),
]


async def say(app: Mentorhub, script: list[tuple[str, ...]]) -> None:
    """Each person's lines to the hub directly, as typed messages; none may be refused."""
    for user, *lines in script:
        for line in lines:
            outcome = await app.hub.message(ref(user), line)
            assert not any(r.is_error for r in outcome.replies), (line, outcome.replies)


async def pair_up(app: Mentorhub) -> None:
    """Mia (U1) mentee of Dana (U2), agreement in force from Mon 2 Mar; by the hub directly."""
    await say(app, PAIRING + AGREEMENT)
    assert (await app.deliver()).unreachable > 0  # no sender for these yet: flushed
