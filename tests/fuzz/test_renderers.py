"""Every renderer, with hostile text: never an exception, a live mention or masked link,
or a payload over the platform's limits."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import render as discord
from adapters.slack import forms as slack_forms
from adapters.slack import render as slack
from adapters.telegram import render as telegram
from core.commands import build_registry
from core.dialogs import FormField
from core.messages import Action, Choice, ChoiceStyle, Field, Reply
from core.syntax import NativeCommands, PrefixedSyntax
from tests.fuzz.strategies import FUZZ, any_text, hostile_text

COMMANDS = NativeCommands(build_registry(), PrefixedSyntax("/"))

choices = st.builds(
    Choice,
    label=hostile_text,
    action=st.sampled_from(
        [Action.command("pause", "pair=1").encode(), "d:7:2:yes", "c:goal_done:12"]
    )
    | st.integers(0, 10**6).map(lambda n: f"c:goal_done:{n}"),
    style=st.sampled_from(ChoiceStyle),
)
replies = st.builds(
    Reply,
    text=any_text,
    title=st.none() | hostile_text,
    fields=st.lists(st.builds(Field, hostile_text, any_text), max_size=30).map(tuple),
    choices=st.lists(choices, max_size=30).map(tuple),
    expects_text=st.booleans(),
    is_error=st.booleans(),
    form=st.none() | st.just("17"),
)
outcomes = st.lists(replies, min_size=1, max_size=4)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list | tuple):
        return [s for value in node for s in _strings(value)]
    return []


def _sendable(payload: Any) -> None:
    """What the SDKs put on the wire is well-formed UTF-8 (no lone surrogates)."""
    json.dumps(payload, ensure_ascii=False).encode("utf-8")


# --- Slack ---------------------------------------------------------------------------------


def _mrkdwn_texts(blocks: Any) -> list[str]:
    found: list[str] = []
    if isinstance(blocks, dict):
        if blocks.get("type") == "mrkdwn":
            found.append(blocks["text"])
        for value in blocks.values():
            found.extend(_mrkdwn_texts(value))
    elif isinstance(blocks, list | tuple):
        for value in blocks:
            found.extend(_mrkdwn_texts(value))
    return found


@FUZZ
@given(outcome=outcomes, footer=st.none() | hostile_text)
def test_slack(outcome: list[Reply], footer: str | None) -> None:
    message = slack.render_outcome(outcome, footer=footer)
    payload = message.as_kwargs()
    _sendable(payload)
    blocks = payload["blocks"]
    assert len(blocks) <= slack.BLOCKS_PER_MESSAGE
    assert len(payload["text"]) <= slack.FALLBACK_TEXT_MAX
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= slack.SECTION_TEXT_MAX
            assert len(block.get("fields", [])) <= slack.FIELDS_PER_SECTION
            for item in block.get("fields", []):
                assert len(item["text"]) <= slack.FIELD_TEXT_MAX
        if block["type"] == "actions":
            assert len(block["elements"]) <= slack.BUTTONS_PER_BLOCK
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= slack.BUTTON_LABEL_MAX
    for text in [*_mrkdwn_texts(blocks), payload["text"]]:
        # no "<…>" entity (mention, channel, link) and no "&" but our own escapes
        assert "<" not in text and ">" not in text, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text
    for item in _mrkdwn_texts(blocks):
        assert item == "" or isinstance(item, str)
    assert all(
        text_object.get("verbatim") is True
        for text_object in _objects(blocks)
        if text_object.get("type") == "mrkdwn"
    )


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(o for value in node.values() for o in _objects(value))]
    if isinstance(node, list | tuple):
        return [o for value in node for o in _objects(value)]
    return []


form_fields = st.builds(
    FormField,
    key=st.sampled_from(["cadence", "format", "until", "goal"]),
    label=any_text,
    choices=st.lists(st.tuples(hostile_text, hostile_text), max_size=120).map(tuple),
    free_text=st.booleans(),
    optional=st.booleans(),
)


@FUZZ
@given(title=hostile_text, fields=st.lists(form_fields, max_size=60))
def test_slack_modal(title: str, fields: list[FormField]) -> None:
    view = slack_forms.modal(title, fields, "17")
    _sendable(view)
    assert len(view["blocks"]) <= slack_forms.BLOCKS_MAX
    for name in ("title", "submit", "close"):
        assert 0 < len(view[name]["text"]) <= slack_forms.TITLE_MAX
    for block in view["blocks"]:
        assert 0 < len(block["label"]["text"]) <= slack_forms.LABEL_MAX
        options = block["element"].get("options", [])
        assert len(options) <= slack_forms.OPTIONS_MAX
        assert len({option["value"] for option in options}) == len(options)
        for option in options:
            assert 0 < len(option["text"]["text"]) <= slack_forms.OPTION_TEXT_MAX
            assert 0 < len(option["value"]) <= slack_forms.OPTION_VALUE_MAX


# --- Discord -------------------------------------------------------------------------------

# Entities Discord renders: <@id>, <@!id>, <@&id>, <#id>, </cmd:id>, <:emoji:id>, <a:…>
_DISCORD_CODE_SPAN = re.compile(r"(?<!\\)`[^`\n]+`")
_LIVE_DISCORD = re.compile(r"<(?:@[!&]?\d|#\d|/[\w -]+:\d|a?:\w+:\d)|@everyone|@here")


def _unescaped_masked_link(text: str) -> bool:
    for match in re.finditer(r"\[[^\]\n]*\]\(", text):
        start = match.start()
        slashes = len(text[:start]) - len(text[:start].rstrip("\\"))
        if slashes % 2 == 0:
            return True
    return False


@FUZZ
@given(reply=replies, answer_button=st.booleans())
def test_discord(reply: Reply, answer_button: bool) -> None:
    message = discord.render_reply(reply, answer_button=answer_button)
    payload = message.payload()
    _sendable(payload)
    assert payload["allowed_mentions"] == {"parse": []}
    shown: list[str] = []
    if "content" in payload:
        assert 0 < len(payload["content"]) <= discord.CONTENT_LIMIT
        shown.append(payload["content"])
    for embed in payload.get("embeds", []):
        title, description = embed.get("title", ""), embed.get("description", "")
        fields = embed.get("fields", [])
        assert len(title) <= discord.EMBED_TITLE_LIMIT
        assert len(description) <= discord.EMBED_DESCRIPTION_LIMIT
        assert len(fields) <= discord.MAX_FIELDS
        for item in fields:
            assert 0 < len(item["name"]) <= discord.FIELD_NAME_LIMIT
            assert 0 < len(item["value"]) <= discord.FIELD_VALUE_LIMIT
        total = (
            len(title) + len(description) + sum(len(f["name"]) + len(f["value"]) for f in fields)
        )
        assert total <= discord.EMBED_TOTAL_LIMIT
        shown.extend([title, description, *(s for f in fields for s in (f["name"], f["value"]))])
    if "content" not in payload and not payload.get("embeds"):
        assert payload.get("components")  # never an empty message
    rows = payload.get("components", [])
    assert len(rows) <= discord.MAX_ROWS
    for row in rows:
        assert len(row["components"]) <= discord.BUTTONS_PER_ROW
        for button in row["components"]:
            assert 0 < len(button["label"]) <= discord.BUTTON_LABEL_LIMIT
            assert len(button["custom_id"]) <= 100
    for text in shown:
        # Inside inline code Discord renders no mention, link or markdown: core's `spans`
        outside_code = _DISCORD_CODE_SPAN.sub("", text)
        assert not _LIVE_DISCORD.search(outside_code), text
        assert not _unescaped_masked_link(outside_code), text


# --- Telegram ------------------------------------------------------------------------------

_TAG = re.compile(r"</?([a-z]*)>")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@FUZZ
@given(reply=replies)
def test_telegram(reply: Reply) -> None:
    for rendered, html_mode in [
        *((r, True) for r in telegram.render(reply, commands=COMMANDS)),
        *((r, False) for r in telegram.render_plain(reply)),
    ]:
        text = rendered.text
        text.encode("utf-8")
        assert 0 < _utf16(text) <= telegram.MAX_MESSAGE_LENGTH
        visible = text
        if html_mode:
            assert "<" not in _TAG.sub("", text), text  # only our own tags
            assert {tag for tag in _TAG.findall(text)} <= {"b", "code"}
            visible = html.unescape(_TAG.sub("", text))
        assert not re.search(r"@\w", visible), visible
        assert "://" not in visible
        assert not re.search(r"(?<=\w)\.[^\W\d_]", visible), visible
        if "`" not in reply.text:  # only core's backticked commands are tappable
            assert not re.search(r"(?<![\w/<>\\])/\w", visible), visible
        if rendered.keyboard is not None:
            for row in rendered.keyboard.inline_keyboard:
                for button in row:
                    assert len(str(button.callback_data).encode()) <= 64
                    button.text.encode("utf-8")
