"""Telegram updates -> what the adapter asks the hub. Pure functions, no I/O.

:func:`translate` reads one :class:`telegram.Update` and returns one inbound value (or
None: not for us). The adapter only executes it, so every routing rule lives here:

- private chat: ``/verb args`` is a command (``/verb@thisbot`` too; ``/verb@otherbot`` is
  ignored), other text is a message, stickers/photos get a hint. ``/start <payload>``
  from a ``t.me/<bot>?start=<payload>`` deep link is passed on as the start command with
  the payload as its text: interpreting payloads is the core's job (``join_<slug>`` is an
  invitation to a program; another lone word is read as the person's name);
- group: only commands meant for us (``/verb@thisbot``, or a bare ``/verb`` we know) are
  answered; everything else is ignored. The adapter carries out a coordinator's ``link``
  and ``announce`` (replying in private) and answers the rest with an invitation to a
  private chat;
- a button press anywhere is a press; its replies go to the presser's private chat;
- ``my_chat_member`` in a private chat: "kicked" means the user blocked the bot,
  "member" that they unblocked it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from telegram import Chat, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType

from core.identity import Platform, UserRef

_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


@dataclass(frozen=True, slots=True)
class CommandCall:
    """``hub.command(ref, verb, text)``; replies go to ``chat_id``."""

    ref: UserRef
    chat_id: int
    verb: str
    text: str


@dataclass(frozen=True, slots=True)
class MessageCall:
    """``hub.message(ref, text)``; replies go to ``chat_id``."""

    ref: UserRef
    chat_id: int
    text: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """``hub.action(ref, data)`` after answering ``query_id`` at once. Replies go to
    ``reply_chat_id`` (the presser's private chat). ``message_id`` in ``message_chat_id`` is
    the message holding the keyboard; ``in_private`` says whether its keyboard is only the
    presser's (a group message's buttons are everyone's and stay)."""

    ref: UserRef
    query_id: str
    data: str
    reply_chat_id: int
    message_chat_id: int | None
    message_id: int | None
    in_private: bool


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """A command for us in a group (``ref.space`` is the group): an invitation to a private
    chat, unless it is one of the few a coordinator may give there."""

    ref: UserRef
    chat_id: int
    message_id: int
    verb: str
    text: str


@dataclass(frozen=True, slots=True)
class NonText:
    """A sticker, photo, voice note… in a private chat: we say we read text only."""

    ref: UserRef
    chat_id: int


@dataclass(frozen=True, slots=True)
class Reachability:
    """The user blocked (False) or unblocked (True) the bot."""

    ref: UserRef
    reachable: bool


Inbound = CommandCall | MessageCall | ButtonPress | GroupCommand | NonText | Reachability


def user_ref(user: User, chat: Chat | None = None) -> UserRef:
    """Telegram user ids are global, so ``workspace`` is empty. Telegram tells us no time
    zone; the language code lets the core suggest likely ones."""
    space = str(chat.id) if chat is not None and chat.type != ChatType.PRIVATE else ""
    return UserRef(
        platform=Platform.TELEGRAM,
        workspace="",
        user_id=str(user.id),
        display_name=user.full_name,
        locale=user.language_code,
        space=space,
    )


def translate(
    update: Update, *, bot_username: str, commands: Collection[str] = ()
) -> Inbound | None:
    """What ``update`` asks of us, or None. ``commands`` are the verbs we know (a bare
    ``/verb`` in a group is taken as ours only if it is one of them)."""
    if update.callback_query is not None:
        return _press(update)
    if update.my_chat_member is not None:
        return _membership(update)
    if update.message is not None:
        return _message(update.message, bot_username, commands)
    return None  # edits, channel posts, inline queries…: not used


def _press(update: Update) -> ButtonPress | None:
    query = update.callback_query
    assert query is not None
    message = query.message
    chat = message.chat if message is not None else None
    return ButtonPress(
        ref=user_ref(query.from_user, chat),
        query_id=query.id,
        data=query.data or "",
        reply_chat_id=query.from_user.id,
        message_chat_id=chat.id if chat is not None else None,
        message_id=message.message_id if message is not None else None,
        in_private=chat is not None and chat.type == ChatType.PRIVATE,
    )


def _membership(update: Update) -> Reachability | None:
    change = update.my_chat_member
    assert change is not None
    if change.chat.type != ChatType.PRIVATE:
        return None  # added to / removed from a group: nothing to record yet
    status = change.new_chat_member.status
    ref = user_ref(change.from_user, change.chat)
    if status == ChatMemberStatus.BANNED:  # "kicked": the user blocked the bot
        return Reachability(ref, reachable=False)
    if status == ChatMemberStatus.MEMBER:
        return Reachability(ref, reachable=True)
    return None


def split_command(text: str) -> tuple[str, str, str] | None:
    """``"/verb@bot rest"`` -> ``("verb", "bot", "rest")``; None if not a command."""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}".strip() if rest else more
    verb, _, mention = head[1:].partition("@")
    if not verb:
        return None
    return verb, mention, rest.strip()


def _message(message: Message, bot_username: str, commands: Collection[str]) -> Inbound | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    chat = message.chat
    ref = user_ref(user, chat)
    text = message.text
    command = split_command(text) if text is not None else None
    if command is not None and command[1] and command[1].lower() != bot_username.lower():
        return None  # /verb@someone_else
    if chat.type in _GROUPS:
        if command is None:
            return None
        verb, mention, rest = command
        if mention or verb.lower() in commands:
            return GroupCommand(ref, chat.id, message.message_id, verb.lower(), rest)
        return None
    if chat.type != ChatType.PRIVATE:
        return None
    if command is not None:
        verb, _, rest = command
        return CommandCall(ref, chat.id, verb, rest)
    if text is not None:
        return MessageCall(ref, chat.id, text)
    if message.effective_attachment is not None:
        return NonText(ref, chat.id)
    return None  # service messages (pins, …)
