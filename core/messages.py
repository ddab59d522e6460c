"""The neutral message model: what core says, before any adapter renders it.

All text is plain. Adapters escape every string for their markup, so nothing a user typed
(names, goals, notes) can turn into a mention, a link or formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

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
    ``kind`` "d" answers step ``step`` of dialog ``dialog_id`` (stale presses are detected).
    """

    kind: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
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

    def plain(self) -> str:
        """A plain-text rendering, used by the console and as a notification fallback."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        lines.extend(f"{f.label}: {f.value}" for f in self.fields)
        return "\n".join(lines)


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
    """

    person_id: int
    reply: Reply
    key: str
    kind: str = "notice"
    pair_space: PairSpaceCopy | None = None


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


PAIR_SPACE = "pair_space"  # the payload entry of a notice's pair-space wording


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
        "attachment": [reply.attachment.filename, reply.attachment.content]
        if reply.attachment
        else None,
    }


def notice_payload(notice: Notice) -> dict[str, object]:
    """What the outbox stores for a notice: its reply, and the pair-space wording if any."""
    payload = reply_to_data(notice.reply)
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
        attachment=Attachment(str(attachment[0]), str(attachment[1]))
        if isinstance(attachment, list)
        else None,
    )
