"""The neutral message model: what core says, before any adapter renders it.

All text is plain. Adapters escape every string for their markup, so nothing a user typed
(names, goals, notes) can turn into a mention, a link or formatting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_skeleton

from core.i18n import (
    ENGLISH,
    PSEUDO,
    _,
    babel_locale,
    is_deferred,
    n_,
    number,
    pseudo,
    supported,
    translate,
)

if TYPE_CHECKING:
    from core.context import Context

ACTION_ID_MAX_BYTES = 64  # the strictest messenger's limit on a button's data
_ACTION_SEP = ":"


class ChoiceStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Action:
    """What a button does, encoded into a compact id that carries no secret.

    ``kind`` "c" runs a command as the presser (``args`` = verb and its arguments);
    ``kind`` "a" does the same as the answer to the message it sits on (Accept/Decline):
    once it went through, messengers that can edit the message take its buttons off and
    show the answer; ``kind`` "d" answers step ``step`` of dialog ``dialog_id`` (stale
    presses are detected; answered the same way).
    """

    kind: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        if not self.kind:
            raise ValueError("an action needs a kind")
        for part in (self.kind, *self.args):
            if _ACTION_SEP in part:
                raise ValueError(f"action part {part!r} contains {_ACTION_SEP!r}")
        encoded = _ACTION_SEP.join((self.kind, *self.args))
        if len(encoded.encode()) > ACTION_ID_MAX_BYTES:
            raise ValueError(f"action id {encoded!r} is longer than {ACTION_ID_MAX_BYTES} bytes")
        return encoded

    @classmethod
    def decode(cls, encoded: str) -> Action:
        if not encoded or len(encoded.encode()) > ACTION_ID_MAX_BYTES:
            raise ValueError("not an action id")
        kind, *args = encoded.split(_ACTION_SEP)
        return cls(kind, tuple(args))

    @classmethod
    def command(cls, verb: str, *args: str) -> Action:
        return cls("c", (verb, *args))

    @classmethod
    def answer(cls, verb: str, *args: str) -> Action:
        """A command that answers the message its button is on (see the class)."""
        return cls("a", (verb, *args))

    @property
    def answers_its_message(self) -> bool:
        return self.kind in ("a", "d")


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    action: str  # an encoded Action
    style: ChoiceStyle = ChoiceStyle.DEFAULT

    def __post_init__(self) -> None:
        if len(self.action.encode()) > ACTION_ID_MAX_BYTES:
            raise ValueError(f"action id for {self.label!r} exceeds {ACTION_ID_MAX_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A text file sent with a reply (e.g. a CSV export)."""

    filename: str
    content: str

    @property
    def data(self) -> bytes:
        """The file as sent: UTF-8."""
        return self.content.encode()


def fit_attachment(reply: Reply, *, limit: int, where: str) -> Reply:
    """``reply`` as a messenger that takes files of at most ``limit`` bytes can send it: a
    larger attachment is left off and the text says so (``where`` names the messenger)."""
    file = reply.attachment
    if file is None or len(file.data) <= limit:
        return reply
    note = _(
        "The file {file} is {size}, more than the {limit} {messenger} lets a bot send, so it "
        "is not attached. Narrow what you asked for (one program, say) and try again.",
        file=file.filename,
        size=_size(len(file.data)),
        limit=_size(limit),
        messenger=where,
    )
    return replace(reply, text=f"{reply.text}\n\n{note}" if reply.text else note, attachment=None)


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{number(float(f'{count / scale:.3g}'))} {unit}"
    return n_("{count} byte", "{count} bytes", count)


class MomentStyle(StrEnum):
    DAY = "D"  # the reader's calendar day: "Tue 10 Mar 2026"
    TIME = "F"  # day, time and zone on the reader's clock: "Tue 10 Mar 2026 01:00 CET"


@dataclass(frozen=True, slots=True)
class Moment:
    at: datetime  # aware
    style: MomentStyle


# A moment travels inside message text as a token of private-use characters, which
# core.text.clean_text drops from anything a person types, so nobody can forge one.
_MOMENT_OPEN, _MOMENT_CLOSE = "\ue000", "\ue001"
_MOMENT = re.compile(f"{_MOMENT_OPEN}(-?\\d+)([DF]){_MOMENT_CLOSE}")

MomentShower = Callable[[Moment], str]


def moment(at: datetime, style: MomentStyle = MomentStyle.TIME) -> str:
    """An instant to write into a message, shown to each reader on their own clock.

    Core writes the instant, not its text: the same stored notice reads in the
    recipient's zone (:attr:`Reply.zone`), and a messenger whose clients show times in
    each viewer's zone renders it natively (see :meth:`Reply.localized`).
    """
    return f"{_MOMENT_OPEN}{int(at.timestamp())}{style.value}{_MOMENT_CLOSE}"


def fill_moments(text: str, show: MomentShower) -> str:
    """``text`` with each moment written by ``show``."""
    return _MOMENT.sub(
        lambda found: show(
            Moment(datetime.fromtimestamp(int(found[1]), UTC), MomentStyle(found[2]))
        ),
        text,
    )


def in_zone(zone: str | None, language: str | None = None) -> MomentShower:
    """Moments as text on the clocks of ``zone`` (UTC when unknown), the zone named, in
    the words and order of ``language`` (English when None)."""

    def show(found: Moment) -> str:
        return _written_in(found.at, found.style, zone, language or ENGLISH)

    return show


@functools.lru_cache(maxsize=4096)
def _written_in(at: datetime, style: MomentStyle, zone: str | None, language: str) -> str:
    """One moment as text in one zone and language. Remembered: a nudge to thousands
    names the same deadline in a handful of zones."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = at.astimezone(tz)
    name = local.tzname() or "UTC"
    if name[0] in "+-":  # zones without a common abbreviation, e.g. "+04"
        name = f"UTC{name}"
    if language == PSEUDO:  # marked, so a test sees it was written for its reader
        return pseudo(_written_in(at, style, zone, ENGLISH))
    if supported(language) in (ENGLISH, None):  # the house style: "Tue 10 Mar 2026"
        if style is MomentStyle.DAY:
            return f"{local:%a %d %b %Y}"
        return f"{local:%a %d %b %Y %H:%M} {name}"
    locale = Locale.parse(babel_locale(supported(language) or ENGLISH))
    day = format_skeleton("yMMMEd", local, locale=locale)
    if style is MomentStyle.DAY:
        return day
    time = format_skeleton("Hm", local, locale=locale)
    glue = str(locale.datetime_formats.get("medium", "{1} {0}"))
    return f"{glue.format(time, day)} {name}"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message. ``choices`` become buttons; ``expects_text`` means a free-text answer is
    awaited (adapters may show a hint or open an input). ``title`` renders emphasised."""

    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    choices: tuple[Choice, ...] = ()
    expects_text: bool = False
    is_error: bool = False
    attachment: Attachment | None = None
    form: str | None = None  # id of the open dialog when the rest of it can be one form
    # The reader's IANA zone: the moments in the text are shown on its clocks. Core sets it
    # for the person the reply goes to (the actor, or a notice's recipient at delivery).
    # Not part of what the reply says, so replies compare equal whoever reads them.
    zone: str | None = field(default=None, compare=False)
    # The reader's language (core.i18n): its messages are written in it, its moments too.
    language: str | None = field(default=None, compare=False)

    def read_in(self, zone: str | None, language: str | None = None) -> Reply:
        """This reply for a reader in ``zone`` who reads ``language``: every deferred
        message written out (see :mod:`core.i18n`). A reader already named stays."""
        reply = self
        if zone is not None and not reply.zone:
            reply = replace(reply, zone=zone)
        if language is not None and not reply.language:
            reply = replace(reply, language=language)
        return reply.translated()

    def translated(self) -> Reply:
        """This reply with its messages written in its reader's language (English if
        unnamed). Renderers get it through :meth:`localized`; idempotent."""
        if not any(is_deferred(text) for text in _texts(self)):
            return self
        return _rewritten(self, functools.partial(translate, language=self.language))

    def localized(self, show: MomentShower | None = None) -> Reply:
        """This reply with every moment written out: by ``show`` (a messenger's native
        timestamps), else as text in the reader's zone, and its text well-formed (see
        :func:`well_formed`). Renderers call this first."""
        if any(is_deferred(text) for text in _texts(self)):
            return self.translated().localized(show)
        if any(_SURROGATE.search(text) for text in _texts(self)):
            return _rewritten(self, well_formed).localized(show)
        if not any(_MOMENT_OPEN in text for text in _texts(self)):
            return self  # nothing to write out (most replies): no copy
        write = show or in_zone(self.zone, self.language)
        return _rewritten(self, lambda text: fill_moments(text, write))

    def plain(self) -> str:
        """A plain-text rendering, used by the console and as a notification fallback."""
        shown = self.localized()
        lines: list[str] = []
        if shown.title:
            lines.append(shown.title)
        if shown.text:
            lines.append(shown.text)
        lines.extend(f"{f.label}: {f.value}" for f in shown.fields)
        return "\n".join(lines)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _texts(reply: Reply) -> Iterator[str]:
    """Every text a reply says: what translating, filling moments and mending Unicode
    go through."""
    yield reply.text
    if reply.title is not None:
        yield reply.title
    for found in reply.fields:
        yield found.label
        yield found.value
    for choice in reply.choices:
        yield choice.label
    if reply.attachment is not None:
        yield reply.attachment.content


def _rewritten(reply: Reply, change: Callable[[str], str]) -> Reply:
    """``reply`` with ``change`` applied to each of its texts (see :func:`_texts`)."""
    return replace(
        reply,
        text=change(reply.text),
        title=change(reply.title) if reply.title is not None else None,
        fields=tuple(Field(change(f.label), change(f.value)) for f in reply.fields),
        choices=tuple(replace(c, label=change(c.label)) for c in reply.choices),
        attachment=replace(reply.attachment, content=change(reply.attachment.content))
        if reply.attachment is not None
        else None,
    )


def well_formed(text: str) -> str:
    """``text`` as Unicode can be sent: a surrogate pair (as ``json.loads`` leaves a
    ``"\\ud83d\\ude00"`` escape) joined into its character, a lone surrogate replaced by
    U+FFFD. No messenger accepts a lone surrogate; nothing should fail to send for one."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclass(frozen=True, slots=True)
class PairSpaceCopy:
    """The wording of a notice for both partners at once (an intro, a shared reminder).

    Where a messenger gives the pair a shared conversation (e.g. an optional group DM),
    the delivery posts ``reply`` there once for both instead of two private copies; the
    partner's notice with the same key counts as delivered. Elsewhere each person gets
    their own private notice, as usual. Never for anything private to one of them.
    """

    partner_id: int
    reply: Reply


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for someone other than the actor; delivered through the outbox.

    ``key`` makes it idempotent: the same key is never sent twice to the same person.
    ``pair_space``: how to say it to both partners at once (see :class:`PairSpaceCopy`).
    ``account_id``: only to this one of the person's accounts, never another (a link's
    confirmation must come from the account that asked for it).
    ``ephemeral``: its text is not kept once delivery is over (a message relayed between
    partners: the bot keeps no copy).
    """

    person_id: int
    reply: Reply
    key: str
    kind: str = "notice"
    pair_space: PairSpaceCopy | None = None
    account_id: int | None = None
    ephemeral: bool = False


@dataclass(frozen=True, slots=True)
class SpacePost:
    """A message for a shared space a program is linked to (``"<platform>:<id>"``, e.g.
    ``"<platform>:-100123"``), posted right after the commit. Announcements only: anything
    personal goes to a person, as a reply or a :class:`Notice`. ``confirmation`` is told
    to the actor once it is posted."""

    space: str
    reply: Reply
    confirmation: str = ""


@dataclass(slots=True)
class Outcome:
    """What a use case produced: replies to the actor, notices to others, posts in spaces."""

    replies: list[Reply] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    space_posts: list[SpacePost] = field(default_factory=list)
    # A submitted form with fields to fix (nothing was saved): the message per field key.
    field_errors: dict[str, str] = field(default_factory=dict)
    # A command that only read asks for one write once its reading is done (`match`
    # computes a draft, then stores it): run, as the same actor, in a unit of work of its
    # own, so a long computation never holds the write lock. Its outcome follows this one.
    then: Callable[[Context], Awaitable[Outcome]] | None = None


PAIR_SPACE = "pair_space"  # the payload entry of a notice's pair-space wording
ONLY_ACCOUNT = "only_account"  # the payload entry of a notice for one account only
EPHEMERAL = "ephemeral"  # the payload entry of a notice whose text goes once delivered


def only_account_from_data(data: dict[str, object]) -> int | None:
    found = data.get(ONLY_ACCOUNT)
    return found if isinstance(found, int) else None


def reply_to_data(reply: Reply) -> dict[str, object]:
    """A JSON-able form of a reply, stored in the outbox."""
    return {
        "text": reply.text,
        "title": reply.title,
        "fields": [[f.label, f.value] for f in reply.fields],
        "choices": [[c.label, c.action, c.style.value] for c in reply.choices],
        "expects_text": reply.expects_text,
        "is_error": reply.is_error,
        "form": reply.form,
        "zone": reply.zone,
        "attachment": [reply.attachment.filename, reply.attachment.content]
        if reply.attachment
        else None,
    }


def notice_payload(notice: Notice) -> dict[str, object]:
    """What the outbox stores for a notice: its reply, and the pair-space wording if any."""
    payload = reply_to_data(notice.reply)
    if notice.account_id is not None:
        payload[ONLY_ACCOUNT] = notice.account_id
    if notice.ephemeral:
        payload[EPHEMERAL] = True
    if notice.pair_space is not None:
        payload[PAIR_SPACE] = {
            "partner_id": notice.pair_space.partner_id,
            "reply": reply_to_data(notice.pair_space.reply),
        }
    return payload


def pair_space_from_data(data: dict[str, object]) -> PairSpaceCopy | None:
    stored = data.get(PAIR_SPACE)
    if not isinstance(stored, dict):
        return None
    reply = stored.get("reply")
    return PairSpaceCopy(
        int(stored["partner_id"]), reply_from_data(reply if isinstance(reply, dict) else {})
    )


def reply_from_data(data: dict[str, object]) -> Reply:
    fields = data.get("fields") or []
    choices = data.get("choices") or []
    assert isinstance(fields, list) and isinstance(choices, list)
    title = data.get("title")
    attachment = data.get("attachment")
    return Reply(
        text=str(data.get("text", "")),
        title=str(title) if title is not None else None,
        fields=tuple(Field(str(label), str(value)) for label, value in fields),
        choices=tuple(
            Choice(str(label), str(action), ChoiceStyle(style)) for label, action, style in choices
        ),
        expects_text=bool(data.get("expects_text", False)),
        is_error=bool(data.get("is_error", False)),
        form=str(data["form"]) if data.get("form") else None,
        zone=str(data["zone"]) if data.get("zone") else None,
        attachment=Attachment(str(attachment[0]), str(attachment[1]))
        if isinstance(attachment, list)
        else None,
    )
