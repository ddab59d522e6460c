"""Neutral replies -> Discord message payloads. Pure: no SDK objects, no I/O.

Core text is plain. Discord renders markdown, mentions and ``<…>`` entities in message
content, embed titles, descriptions and fields, so every one of those strings goes
through :func:`escape`. Button labels, modal titles and input labels are shown verbatim
by Discord (no markdown, no mentions), so they are only truncated: escaping them would
show the backslashes. Escaping stops spoofed mentions from *looking* like mentions; what
makes a ping impossible is ``allowed_mentions`` with an empty ``parse`` on every send
(:data:`NO_MENTIONS`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from discord.utils import escape_markdown, escape_mentions

from core.i18n import _, n_, translate
from core.messages import (
    Attachment,
    ChoiceStyle,
    Moment,
    Reply,
    fill_moments,
    fit_attachment,
    well_formed,
)

CONTENT_LIMIT = 2000
# What a bot may upload where the server has no boost (Discord's default since 2024); an
# interaction names the limit where it is higher (``attachment_size_limit``).
FILE_LIMIT = 10 * 1024 * 1024
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
MAX_FIELDS = 25  # per embed
MAX_EMBEDS = 10  # per message
EMBED_TOTAL_LIMIT = 6000  # titles, descriptions, field names and values of a message's embeds
BUTTON_LABEL_LIMIT = 80
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
ERROR_COLOUR = 0xED4245
ERROR_MARK = "⚠️ "

# Our own component ids. Core action ids are "kind:arg…" (see core.messages.Action), so
# an id with "!" and no ":" can never collide with one.
ANSWER_BUTTON_ID = "mh!answer"
ANSWER_MODAL_ID = "mh!answer-modal"
ANSWER_INPUT_ID = "answer"
# Translators: a button under a question in a server channel; it opens a box to type the
# answer in (at most 80 characters).
ANSWER_BUTTON_LABEL = _("Type your answer")
# Translators: the title of that box (at most 45 characters).
ANSWER_MODAL_TITLE = _("Your answer")
# Translators: the label of the text field in that box.
ANSWER_INPUT_LABEL = _("Answer")
ANSWER_MAX_LENGTH = 2000
ANSWER_INPUT_HINT = n_(
    "Up to {count} character. Tap Submit to send it.",
    "Up to {count} characters. Tap Submit to send it.",
    ANSWER_MAX_LENGTH,
)
# Translators: the last field of a card that had too many fields to show them all.
SHORTENED = _("(shortened)")
TEXT_DISPLAY_LIMIT = 4000

NO_MENTIONS: Mapping[str, Any] = {"parse": []}

# "1. item" renders as a list; "<#id>", "<t:…>", "</cmd:id>", "<:emoji:id>" render as
# entities. escape_markdown/escape_mentions leave these alone.
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)
_ANGLE_ENTITY = re.compile(r"<(?=[#/:]|a:|t:)")
# escape_mentions breaks only whole mentions; a cut-off "<@123" gets broken too, so no
# later cut or join can ever complete one
_MENTION_START = re.compile(r"<@(?=[!&]?\d)")
# A masked link needs an unescaped "[": escape_markdown escapes only the first "[…](…)" of
# a line (its pattern is greedy), so every "[" still preceded by an even run of
# backslashes (none included) gets one more. (escape_markdown escapes backslashes too, so
# a typed "\[" can't cancel the escape.)
_OPEN_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")
_ZWSP = "\u200b"
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


class ButtonStyle(IntEnum):
    """Discord's button style numbers (link and premium buttons are never used)."""

    PRIMARY = 1
    SECONDARY = 2
    DANGER = 4


_STYLES = {
    ChoiceStyle.DEFAULT: ButtonStyle.SECONDARY,
    ChoiceStyle.PRIMARY: ButtonStyle.PRIMARY,
    ChoiceStyle.DANGER: ButtonStyle.DANGER,
}


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    custom_id: str
    style: ButtonStyle = ButtonStyle.SECONDARY

    def payload(self) -> dict[str, Any]:
        return {
            "type": 2,
            "style": int(self.style),
            "disabled": False,
            "label": self.label,
            "custom_id": self.custom_id,
        }


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One Discord message: content or embeds (dicts in Discord's embed JSON), buttons."""

    content: str = ""
    embeds: tuple[Mapping[str, Any], ...] = ()
    buttons: tuple[Button, ...] = ()
    file: Attachment | None = None  # uploaded as multipart ``files[0]``

    @property
    def embed(self) -> Mapping[str, Any] | None:
        """The first embed (the only one unless a long text goes on in more)."""
        return self.embeds[0] if self.embeds else None

    def rows(self) -> list[list[Button]]:
        return [
            list(self.buttons[i : i + BUTTONS_PER_ROW])
            for i in range(0, len(self.buttons), BUTTONS_PER_ROW)
        ]

    def payload(self) -> dict[str, Any]:
        """The message JSON we mean to send (what the fake records, key for key)."""
        data: dict[str, Any] = {}
        if self.content:
            data["content"] = self.content
        if self.embeds:
            data["embeds"] = [dict(embed) for embed in self.embeds]
        if self.buttons:
            data["components"] = [
                {"type": 1, "components": [b.payload() for b in row]} for row in self.rows()
            ]
        if self.file is not None:
            data["attachments"] = [{"id": 0, "filename": self.file.filename}]
        data["allowed_mentions"] = dict(NO_MENTIONS)
        return data


def escape(text: str) -> str:
    """Make ``text`` display literally: no markdown, no mentions, no ``<…>`` entities."""
    escaped = escape_mentions(escape_markdown(well_formed(text)))
    escaped = _OPEN_BRACKET.sub(r"\1\\[", escaped)
    escaped = _ORDERED_LIST.sub(r"\1\\.", escaped)
    escaped = _MENTION_START.sub("<@" + _ZWSP, escaped)
    return _ANGLE_ENTITY.sub("<" + _ZWSP, escaped)


def timestamp(moment: Moment) -> str:
    """Discord's timestamp markup (style D: the day, F: day and time): each viewer's client
    shows it on their own clock."""
    return f"<t:{int(moment.at.timestamp())}:{moment.style.value}>"


def shown(text: str) -> str:
    """Escaped text with core's moments as timestamps (after escaping, which would
    otherwise defuse the ``<t:…>`` entity), and `spans` as inline code: core's way of
    naming something to type. Inside inline code Discord renders no markdown, mention or
    link, so its text is shown as it is, unescaped."""
    pieces: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(text):
        pieces.append(fill_moments(escape(text[position : span.start()]), timestamp))
        pieces.append(f"`{well_formed(span[1])}`")
        position = span.end()
    pieces.append(fill_moments(escape(text[position:]), timestamp))
    return "".join(pieces)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_reply(
    reply: Reply, *, answer_button: bool = False, file_limit: int | None = None
) -> DiscordMessage:
    """One reply as one message.

    Fields become an embed (a profile card); everything else is content, a bold title line
    above the text, so it also reads well in a push notification. Content longer than
    Discord's 2000 characters moves into embeds (see :func:`_embeds`). ``answer_button``
    adds a "Type your answer" button, for places where free text can't be typed to us
    (guild channels: we have no message-content intent there). An attachment over
    Discord's file limit (``file_limit``: what an interaction says applies there, else
    the default) is left off, and the text says so.
    """
    # Our words written out in the reader's language; moments stay for Discord's timestamps.
    reply = fit_attachment(reply, limit=file_limit or FILE_LIMIT, where="Discord").translated()
    file = reply.attachment
    buttons = _buttons(reply.localized(), answer_button=answer_button and reply.expects_text)
    title = shown(reply.title) if reply.title else ""
    body = shown(reply.text) if reply.text else ""
    if not reply.fields:
        lines = [f"**{title}**"] if title else []
        if body:
            lines.append(body)
        content = (ERROR_MARK if reply.is_error else "") + "\n".join(lines)
        if not content and not buttons:
            content = "…"  # Discord refuses an empty message
        if len(content) <= CONTENT_LIMIT:
            return DiscordMessage(content=content, buttons=buttons, file=file)
    return DiscordMessage(embeds=_embeds(reply, title, body), buttons=buttons, file=file)


def _shortened(language: str | None) -> dict[str, Any]:
    """The last field of a card whose fields didn't all fit."""
    return {"name": "…", "value": translate(SHORTENED, language), "inline": False}


def _size(field: Mapping[str, Any]) -> int:
    return len(field["name"]) + len(field["value"])


def _embeds(reply: Reply, title: str, body: str) -> tuple[dict[str, Any], ...]:
    """The reply as the embeds of one message, within every limit Discord checks: the
    title, the text in descriptions of up to 4096 characters (split between lines, so a
    long text goes on in the next embed rather than being cut), then the fields, 25 an
    embed; at most 10 embeds and 6000 characters in all. What still doesn't fit is cut:
    the text with "…", the fields with a last "(shortened)" one."""
    title = truncate(title, EMBED_TITLE_LIMIT)
    room = EMBED_TOTAL_LIMIT - len(title)
    text = (ERROR_MARK if reply.is_error and not title else "") + body
    text = truncate(text, room - (_size(_shortened(reply.language)) if reply.fields else 0))
    room -= len(text)
    embeds: list[dict[str, Any]] = [
        {"description": piece} for piece in _pieces(text, EMBED_DESCRIPTION_LIMIT)
    ]
    if not embeds:
        embeds = [{}]
    if title:
        embeds[0] = {"title": title, **embeds[0]}
    fields = _fields(reply, room=room, most=(MAX_EMBEDS - len(embeds) + 1) * MAX_FIELDS)
    for start in range(0, len(fields), MAX_FIELDS):
        if start:
            embeds.append({})
        embeds[-1]["fields"] = fields[start : start + MAX_FIELDS]
    if reply.is_error:
        for embed in embeds:
            embed["color"] = ERROR_COLOUR
    return tuple(embeds)


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, ending at line breaks where
    lines allow (the break itself is dropped: each piece is its own paragraph)."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:  # one line longer than a piece: cut it, not after an escaping "\\"
            cut = limit
            while cut > 1 and text[cut - 1] == "\\":
                cut -= 1
            pieces.append(text[:cut])
            text = text[cut:]
        else:
            pieces.append(text[:cut])
            text = text[cut + 1 :]
    if text:
        pieces.append(text)
    return pieces


def _fields(reply: Reply, *, room: int, most: int) -> list[dict[str, Any]]:
    """The fields that fit in ``room`` characters, ``most`` of them at most; a last
    "(shortened)" field says when some didn't."""
    fields: list[dict[str, Any]] = []
    shortened = _shortened(reply.language)
    for index, f in enumerate(reply.fields):
        name = truncate(shown(f.label), FIELD_NAME_LIMIT) or "-"
        value = truncate(shown(f.value), FIELD_VALUE_LIMIT) or "-"
        last = index == len(reply.fields) - 1
        reserve = 0 if last else _size(shortened)  # for the "(shortened)" mark, if needed
        if len(name) + len(value) + reserve > room or len(fields) + (0 if last else 1) >= most:
            return [*fields, shortened]
        fields.append({"name": name, "value": value, "inline": False})
        room -= len(name) + len(value)
    return fields


def _buttons(reply: Reply, *, answer_button: bool) -> tuple[Button, ...]:
    buttons: list[Button] = []
    if answer_button:
        label = translate(ANSWER_BUTTON_LABEL, reply.language)
        buttons.append(Button(label, ANSWER_BUTTON_ID, ButtonStyle.PRIMARY))
    seen = {b.custom_id for b in buttons}
    for choice in reply.choices:
        # Discord rejects a message whose components repeat a custom_id
        if choice.action in seen:
            continue
        seen.add(choice.action)
        label = truncate(choice.label.strip(), BUTTON_LABEL_LIMIT) or "…"
        buttons.append(Button(label, choice.action, _STYLES[choice.style]))
    return tuple(buttons[: BUTTONS_PER_ROW * MAX_ROWS])


def answer_modal_payload(question: str, language: str | None = None) -> dict[str, Any]:
    """The modal opened by the answer button (what the fake records as the type 9 data):
    the question it answers (``question``, the message's text as Discord shows it) above
    one text input whose limit is said under its label, in ``language``."""
    components: list[dict[str, Any]] = []
    if question.strip():
        components.append({"type": 10, "content": truncate(question, TEXT_DISPLAY_LIMIT)})
    components.append(
        {
            "type": 18,
            "label": translate(ANSWER_INPUT_LABEL, language),
            "component": {
                "type": 4,
                "style": 2,
                "label": None,
                "custom_id": ANSWER_INPUT_ID,
                "required": True,
                "max_length": ANSWER_MAX_LENGTH,
            },
            "description": translate(ANSWER_INPUT_HINT, language),
        }
    )
    title = translate(ANSWER_MODAL_TITLE, language)
    return {"custom_id": ANSWER_MODAL_ID, "title": title, "components": components}
