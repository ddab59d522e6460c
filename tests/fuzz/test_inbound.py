"""Each adapter's inbound translation, from arbitrary payloads: a translation, None or
"not ours" — never an exception (beyond the ones the adapter catches before it)."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, Update

from adapters.discord import translate as discord
from adapters.slack import forms as slack_forms
from adapters.slack import translate as slack
from adapters.telegram import translate as telegram
from tests.fakes.telegram_api import (
    BOT_USERNAME,
    callback_query_update,
    message_update,
    my_chat_member_update,
)
from tests.fuzz.strategies import FUZZ, any_text, json_objects, json_values

SLACK_KEYS = [
    "team_id", "user_id", "text", "channel_id", "channel_name", "response_url", "user_name",
    "trigger_id", "actions", "user", "team", "id", "value", "container", "channel", "name",
    "is_ephemeral", "message", "blocks", "action_ts", "event", "type", "channel_type",
    "subtype", "bot_id", "app_id", "event_id", "tokens", "bot", "authorizations", "view",
    "callback_id", "private_metadata", "state", "values", "selected_option", "block_id",
    "label", "username", "message", "im", "app_uninstalled", "tokens_revoked",
]  # fmt: skip

DISCORD_KEYS = [
    "name", "type", "options", "value", "focused", "custom_id", "component_type",
    "components", "component", "id", "user", "member", "permissions", "username",
    "global_name", "data", "guild_id", "channel_id", "locale",
]  # fmt: skip


@FUZZ
@given(payload=json_objects(SLACK_KEYS))
def test_slack_payloads(payload: dict[str, Any]) -> None:
    for read in (
        slack.from_slash_command,
        slack.from_block_actions,
        slack.from_message_event,
        slack.revoked_team,
        slack_forms.read_submission,
        slack_forms.labels,
    ):
        read(payload)
    for key in ("event", "view"):  # the nested object each reader looks in
        wrapped = {key: payload, "team_id": "T1", "user": {"id": "U1", "team_id": "T1"}}
        slack.from_message_event(wrapped)
        slack.revoked_team(wrapped)
        slack_forms.read_submission(wrapped)


@FUZZ
@given(text=any_text)
def test_slack_plain_text(text: str) -> None:
    assert isinstance(slack.plain_text(text), str)


@FUZZ
@given(
    kind=st.sampled_from([1, 2, 3, 4, 5, 99]),
    data=json_objects(DISCORD_KEYS),
    payload=json_objects(DISCORD_KEYS),
)
def test_discord_interactions(kind: int, data: dict[str, Any], payload: dict[str, Any]) -> None:
    facts = discord.InteractionFacts(id=1, type=kind, data=data, user_id=2, username="ann")
    discord.translate(facts)
    discord.translate(discord.InteractionFacts(1, kind, data, 2, "ann", guild_id=3, channel_id=4))
    # the gateway reader refuses what isn't an interaction
    with contextlib.suppress(ValueError, KeyError, TypeError):
        discord.InteractionFacts.from_payload(payload)


BOT = Bot("123:ABC")
COMMANDS = frozenset({"help", "start", "pause"})
BASES = [
    message_update(1111, "/pause@" + BOT_USERNAME),
    message_update(1111, "hello"),
    callback_query_update(1111, "c:pause", message_id=5, chat_id=1111),
    my_chat_member_update(1111),
]


def _mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with some of its values (at any depth) replaced or dropped."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))

    walk(base, ())
    change = st.tuples(st.sampled_from(paths), st.just(None) | json_values(["id", "type"]))

    def apply(changes: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
        result = copy.deepcopy(base)
        for path, value in changes:
            node: Any = result
            for key in path[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict):
                if value is None:
                    node.pop(path[-1], None)
                else:
                    node[path[-1]] = value
        return result

    return st.lists(change, max_size=4).map(apply)


@pytest.mark.parametrize("base", BASES, ids=["command", "text", "press", "membership"])
@FUZZ
@given(data=st.data())
def test_telegram_updates(base: dict[str, Any], data: st.DataObject) -> None:
    payload = data.draw(_mutated(base))
    try:  # the webhook answers 400 to these (adapters/telegram/adapter.py)
        update = Update.de_json({"update_id": 1, **payload}, BOT)
    except (ValueError, TypeError, KeyError, AttributeError):
        return
    telegram.translate(update, bot_username=BOT_USERNAME, commands=COMMANDS)


@FUZZ
@given(text=any_text)
def test_telegram_text_and_commands(text: str) -> None:
    telegram.split_command(text)
    for typed in (text, "/" + text):
        base = message_update(1111, "hello")
        base["message"]["text"] = typed  # as json.loads gives it: lone surrogates too
        update = Update.de_json({"update_id": 1, **base}, BOT)
        telegram.translate(update, bot_username=BOT_USERNAME, commands=COMMANDS)
