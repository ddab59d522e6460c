"""Telegram updates -> what the adapter asks the hub. Pure functions, no I/O.

:func:`translate` reads one :class:`telegram.Update` and returns one inbound value (or
None: not for us). The adapter only executes it, so every routing rule lives here:

- private chat: ``/verb args`` is a command (``/verb@thisbot`` too; ``/verb@otherbot`` is
  ignored), other text is a message, stickers/photos get a hint. ``/start <payload>``
  from a ``t.me/<bot>?start=<payload>`` deep link is passed on as the start command with
  the payload as its text: interpreting payloads is the core's job (``join_<slug>`` is an
  invitation to a program; another lone word is read as the person's name);
- group: only commands meant for us (``/verb@thisbot``, or a bare ``/verb`` we know) are
  answered (``ref.space`` is the group); everything else is ignored. The adapter
  carries out a coordinator's ``link`` and ``announce`` (replying in private) and answers
  the rest with an invitation to a private chat;
- a button press anywhere is a press; its replies go to the presser's private chat;
- ``my_chat_member`` in a private chat: "kicked" means the user blocked the bot,
  "member" that they unblocked it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from telegram import Chat, ChatMember, Update, User
from telegram import Message as TelegramMessage
from telegram.constants import ChatMemberStatus, ChatType

from adapters.telegram.settings import TELEGRAM
from core.identity import UserRef
from core.inbound import Command, Message, Press, ReachabilityChange

_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


@dataclass(frozen=True, slots=True)
class Where:
    """Where an update came from, as far as answering it goes (core never sees this).

    ``chat_id`` is the chat it was said in: the private chat, or the group of a command
    said there. A button press also names the message holding the keyboard
    (``message_chat_id``/``message_id``), whether that keyboard is only the presser's
    (``in_private``: a group message's buttons are everyone's and stay) and the callback
    query to answer at once (``query_id``); its replies go to the presser's private chat.
    """

    chat_id: int
    message_id: int | None = None
    query_id: str = ""
    message_chat_id: int | None = None
    in_private: bool = True


@dataclass(frozen=True, slots=True)
class Received:
    """One update as the core's inbound value, and where to answer it."""

    inbound: Command | Message | Press | ReachabilityChange
    where: Where | None = None  # None: nobody to answer (a change of reachability)


@dataclass(frozen=True, slots=True)
class NonText:
    """A sticker, photo, voice note… in a private chat: we say we read text only."""

    ref: UserRef
    chat_id: int


Translated = Received | NonText


def user_ref(user: User, chat: Chat | None = None) -> UserRef:
    """Telegram user ids are global, so ``workspace`` is empty. Telegram tells us no time
    zone; the language code lets the core suggest likely ones."""
    space = str(chat.id) if chat is not None and chat.type != ChatType.PRIVATE else ""
    return UserRef(
        platform=TELEGRAM,
        workspace="",
        user_id=str(user.id),
        display_name=user.full_name,
        locale=user.language_code,
        space=space,
        username=user.username or "",
    )


def translate(
    update: Update, *, bot_username: str, commands: Collection[str] = ()
) -> Translated | None:
    """What ``update`` asks of us, or None. ``commands`` are the verbs we know (a bare
    ``/verb`` in a group is taken as ours only if it is one of them)."""
    if update.callback_query is not None:
        query = update.callback_query
        if not (_user_ok(query.from_user) and isinstance(query.id, str)):
            return None
        if not isinstance(query.data, str | None):
            return None
        message = query.message
        if message is not None and not (
            isinstance(message.message_id, int) and _chat_ok(message.chat)
        ):
            return None
        return _press(update)
    if update.my_chat_member is not None:
        change = update.my_chat_member
        if not (_user_ok(change.from_user) and _chat_ok(change.chat)):
            return None
        return _membership(update)
    if update.message is not None:
        message = update.message
        if not (_chat_ok(message.chat) and isinstance(message.message_id, int)):
            return None  # a message without its chat says nowhere to answer
        if message.from_user is not None and not _user_ok(message.from_user):
            return None
        if not isinstance(message.text, str | None):
            return None
        return _message(message, bot_username, commands)
    return None  # edits, channel posts, inline queries…: not used


# PTB builds objects from JSON without checking types (a field the update lacks is None,
# a field of the wrong type is kept as it came): what we read is checked first, so an
# update that isn't shaped as Telegram documents it is ignored, never a crash.
def _user_ok(user: object) -> bool:
    return (
        isinstance(user, User)
        and isinstance(user.id, int)
        and isinstance(user.is_bot, bool)
        and isinstance(user.first_name, str)
        and isinstance(user.last_name, str | None)
        and isinstance(user.language_code, str | None)
    )


def _chat_ok(chat: object) -> bool:
    return isinstance(chat, Chat) and isinstance(chat.id, int) and isinstance(chat.type, str)


def _press(update: Update) -> Received:
    query = update.callback_query
    assert query is not None
    message = query.message
    chat = message.chat if message is not None else None
    where = Where(
        chat_id=query.from_user.id,
        message_id=message.message_id if message is not None else None,
        query_id=query.id,
        message_chat_id=chat.id if chat is not None else None,
        in_private=chat is not None and chat.type == ChatType.PRIVATE,
    )
    return Received(Press(user_ref(query.from_user, chat), query.data or ""), where)


def _membership(update: Update) -> Received | None:
    change = update.my_chat_member
    assert change is not None
    # PTB leaves a field the update lacks as None, whatever its type hints say: an update
    # without its chat, sender or new status says nothing we can act on.
    chat: Chat | None = change.chat
    sender: User | None = change.from_user
    member: ChatMember | None = change.new_chat_member
    if chat is None or sender is None or member is None:
        return None
    if chat.type != ChatType.PRIVATE:
        return None  # added to / removed from a group: nothing to record yet
    status = member.status
    ref = user_ref(sender, chat)
    if status == ChatMemberStatus.BANNED:  # "kicked": the user blocked the bot
        return Received(ReachabilityChange(ref, reachable=False))
    if status == ChatMemberStatus.MEMBER:
        return Received(ReachabilityChange(ref, reachable=True))
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


def _message(
    message: TelegramMessage, bot_username: str, commands: Collection[str]
) -> Translated | None:
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
            where = Where(chat.id, message_id=message.message_id, in_private=False)
            return Received(Command(ref, verb.lower(), rest), where)
        return None
    if chat.type != ChatType.PRIVATE:
        return None
    if command is not None:
        verb, _, rest = command
        return Received(Command(ref, verb, rest), Where(chat.id))
    if text is not None:
        return Received(Message(ref, text), Where(chat.id))
    if message.effective_attachment is not None:
        return NonText(ref, chat.id)
    return None  # service messages (pins, …)
