"""Plays Discord's side for DiscordMessenger tests: people send slash commands, click
buttons and submit modals through FakeDiscord's gateway; helpers read what came back."""

from __future__ import annotations

import itertools
from typing import Any

from adapters.discord.adapter import DiscordMessenger, DiscordSettings
from adapters.discord.commands import layout
from adapters.discord.render import ANSWER_BUTTON_ID, ANSWER_MODAL_ID, answer_modal_payload
from bots.bootstrap import Mentorhub
from core.identity import Platform
from core.pacing import UNLIMITED, Pacer, PlatformPacing
from tests.fakes.discord_api import (
    FakeDiscord,
    component_interaction,
    message_create,
    modal_submit_interaction,
    option,
    slash_command_interaction,
    subcommand,
)

GUILD = 111111111111111111
ANN = 222222222222222222
BOB = 333333333333333333
EPHEMERAL = 64
LOADING = 128
ZW = "\u200b"
# An interaction's member.permissions (in the channel): the fake's default member's, and
# the same with Manage Channels (1 << 4), as a channel's managers have.
MEMBER = 2248473465835073
MANAGES_CHANNEL = str(MEMBER | 1 << 4)


class Token:
    def __init__(self, value: str) -> None:
        self.value = value

    def reveal(self) -> str:
        return self.value


def settings(dc: FakeDiscord, **overrides: Any) -> DiscordSettings:
    """The adapter pointed at ``dc`` by its own settings (``[discord] api_base`` and
    ``gateway_url``), as a deployment points it at a proxy."""
    values: dict[str, Any] = {
        "api_base": dc.api_base,
        "gateway_url": dc.gateway_url,
        "guild_ids": (GUILD,),
        "guild_ready_timeout": 0.1,
        "ready_timeout": 5.0,
    }
    values.update(overrides)
    return DiscordSettings(**values)


def messenger_for(
    app: Mentorhub,
    dc: FakeDiscord,
    *,
    pacer: Pacer | None = None,
    pacing: PlatformPacing | None = None,
    **overrides: Any,
) -> DiscordMessenger:
    """Unless a test is about pacing, replies are not paced: people answer far slower than
    tests do."""
    return DiscordMessenger(
        app.hub,
        token=Token(dc.token),
        settings=settings(dc, **overrides),
        pacer=pacer or Pacer(),
        pacing=pacing or PlatformPacing(Platform("discord"), conversation_rate=UNLIMITED),
    )


class Harness:
    """Dispatches interactions as a user, reads what came back.

    ``usernames`` maps user ids to Discord usernames (default "ann"); slash commands go to
    the top-level command the registry layout puts them under (/mentor, /mentor-pair,
    /mentor-admin).
    """

    def __init__(self, dc: FakeDiscord, app: Mentorhub, messenger: DiscordMessenger) -> None:
        self.dc = dc
        self.app = app
        self.messenger = messenger
        self.channel = dc.channel_for_guild(GUILD)
        self.usernames: dict[int, str] = {}
        self._ids = itertools.count(5000)
        self._message_ids = itertools.count(7000)
        self._homes = {
            spec.name: top
            for top, specs in layout(app.hub.registry.all()).items()
            for spec in specs
        }

    def username(self, user: int) -> str:
        return self.usernames.get(user, "ann")

    def home(self, verb: str) -> str:
        """The top-level command a verb is a subcommand of."""
        return self._homes[verb]

    async def restart(self, **overrides: Any) -> None:
        """Stop the adapter and start a brand-new one (new client, nothing in memory)."""
        await self.messenger.stop()
        self.messenger = messenger_for(self.app, self.dc, **overrides)
        self.app.outlets.add(self.messenger, replace=True)
        await self.messenger.start()

    async def slash(
        self, verb: str, *options: dict[str, Any], user: int = ANN, **kwargs: Any
    ) -> str:
        iid = next(self._ids)
        guild = kwargs.pop("guild", GUILD)
        name = self.home(verb)
        payload = slash_command_interaction(
            interaction_id=iid,
            user_id=user,
            channel_id=self.channel if guild else kwargs.pop("channel_id", 555),
            guild_id=guild,
            name=name,
            options=[subcommand(verb, *options)],
            command_id=self.dc.command_id(name, GUILD),
            command_guild_id=guild,
            username=kwargs.pop("username", self.username(user)),
            **kwargs,
        )
        await self.dc.dispatch("INTERACTION_CREATE", payload)
        return str(payload["token"])

    async def autocomplete(
        self, verb: str, focused: str, typed: str, *options: dict[str, Any], user: int = ANN
    ) -> list[str]:
        """Type ``typed`` into option ``focused`` of ``verb``; the values Discord was offered."""
        iid = next(self._ids)
        name = self.home(verb)
        payload = slash_command_interaction(
            interaction_id=iid,
            user_id=user,
            channel_id=self.channel,
            guild_id=GUILD,
            name=name,
            options=[subcommand(verb, *options, {**option(focused, typed), "focused": True})],
            command_id=self.dc.command_id(name, GUILD),
            command_guild_id=GUILD,
            username=self.username(user),
        )
        payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
        await self.dc.dispatch("INTERACTION_CREATE", payload)
        token = str(payload["token"])
        response = await self.dc.wait_for(
            lambda: next((r for r in self.dc.interaction_responses() if r.token == token), None)
        )
        assert response.type == 8 and response.data is not None
        return [choice["value"] for choice in response.data["choices"]]

    async def click(
        self, message: dict[str, Any], custom_id: str, user: int = ANN, guild: int | None = GUILD
    ) -> str:
        iid = next(self._ids)
        payload = component_interaction(
            interaction_id=iid,
            custom_id=custom_id,
            user_id=user,
            message=message,
            channel_id=int(message["channel_id"]),
            guild_id=guild,
            username=self.username(user),
        )
        await self.dc.dispatch("INTERACTION_CREATE", payload)
        return str(payload["token"])

    async def submit(self, text: str, user: int = ANN) -> str:
        """Submit the answer modal (opened by the "Type your answer" button in a guild)."""
        iid = next(self._ids)
        payload = modal_submit_interaction(
            interaction_id=iid,
            custom_id=ANSWER_MODAL_ID,
            user_id=user,
            fields={"answer": text},
            channel_id=self.channel,
            guild_id=GUILD,
            username=self.username(user),
        )
        await self.dc.dispatch("INTERACTION_CREATE", payload)
        return str(payload["token"])

    async def write_dm(self, text: str, user: int = ANN) -> dict[str, Any]:
        """Type ``text`` to the bot in the user's DM; the bot's first message after it."""
        channel = self.dc.dm_channel_id(user)
        assert channel is not None, f"the bot never opened a DM with {user}"
        before = len(self.dc.messages_sent(channel))
        payload = message_create(
            message_id=next(self._message_ids),
            channel_id=channel,
            author_id=user,
            content=text,
            username=self.username(user),
        )
        await self.dc.dispatch("MESSAGE_CREATE", payload)
        sent: list[dict[str, Any]] = await self.dc.wait_for(
            lambda: len(m := self.dc.messages_sent(channel)) > before and m
        )
        return sent[before]

    def shown(self, token: str) -> list[dict[str, Any]]:
        """The messages an interaction produced: its response, then its follow-ups."""
        out = []
        original = self.dc.original_response(token)
        if original is not None and not original["flags"] & LOADING:
            out.append(original)
        for message in self.dc.followups(token):
            if original is None or message["id"] != original["id"]:
                out.append(message)
        return out

    async def replies(self, token: str, n: int = 1) -> list[dict[str, Any]]:
        return list(await self.dc.wait_for(lambda: len(m := self.shown(token)) >= n and m))

    async def reply_with(self, token: str, text: str) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            return next((m for m in self.shown(token) if text in message_text(m)), None)

        found: dict[str, Any] = await self.dc.wait_for(find)
        return found


def message_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (b["label"], b["custom_id"])
        for row in message.get("components") or []
        for b in row["components"]
    ]


def button_id(message: dict[str, Any], label_part: str) -> str:
    return next(cid for label, cid in buttons(message) if label_part in label)


# -- steps of a person in a journey ---------------------------------------------------------


async def first_reply(h: Harness, token: str) -> dict[str, Any]:
    return (await h.replies(token))[0]


async def press(
    h: Harness, message: dict[str, Any], label: str, user: int, guild: int | None = GUILD
) -> dict[str, Any]:
    """Click the button whose label contains ``label`` (``guild=None``: on a message in
    the user's DM); the first message it produced (not the pressed one, updated in place
    when the button answered it)."""
    token = await h.click(message, button_id(message, label), user=user, guild=guild)
    produced: list[dict[str, Any]] = await h.dc.wait_for(
        lambda: [m for m in h.shown(token) if m["id"] != message["id"]] or None
    )
    return produced[0]


async def type_answer(h: Harness, message: dict[str, Any], text: str, user: int) -> dict[str, Any]:
    """In a guild: the "Type your answer" button opens the modal; submit ``text`` in it."""
    token = await h.click(message, ANSWER_BUTTON_ID, user=user)
    modal = await h.dc.wait_for(
        lambda: next((r for r in h.dc.interaction_responses() if r.token == token), None)
    )
    assert (modal.type, modal.data) == (9, answer_modal_payload(question_shown(message)))
    return await first_reply(h, await h.submit(text, user=user))


def question_shown(message: dict[str, Any]) -> str:
    """What the answer modal shows of the message its button sat on."""
    if message.get("content"):
        return str(message["content"])
    embed = (message.get("embeds") or [{}])[0]
    title = f"**{embed['title']}**" if embed.get("title") else ""
    return "\n".join(part for part in (title, embed.get("description", "")) if part)


def dm_of(h: Harness, user: int) -> list[dict[str, Any]]:
    """What the bot posted in its DM with ``user`` (not interaction answers there)."""
    channel = h.dc.dm_channel_id(user)
    assert channel is not None, f"no DM channel was opened for {user}"
    return h.dc.messages_sent(channel)
