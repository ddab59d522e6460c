"""Update -> core inbound value and where to answer: every routing rule, on Telegram's
wire format."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update

from adapters.telegram.translate import NonText, Received, Where, split_command, translate
from core.identity import Platform, UserRef
from core.inbound import Command, Message, Press, ReachabilityChange
from tests.fakes.telegram_api import (
    BOT_USERNAME,
    callback_query_update,
    message_update,
    my_chat_member_update,
)

ADA = 1111111
GROUP = -1001234567
COMMANDS = frozenset({"help", "start", "join", "profile", "cancel", "privacy"})
BOT = Bot("123:ABC")


def _translate(payload: dict[str, Any]) -> object:
    update = Update.de_json({"update_id": 1, **payload}, BOT)
    return translate(update, bot_username=BOT_USERNAME, commands=COMMANDS)


def command_call(ref: UserRef, chat_id: int, verb: str, text: str) -> Received:
    """A command in a private chat, answered there."""
    return Received(Command(ref, verb, text), Where(chat_id))


def message_call(ref: UserRef, chat_id: int, text: str) -> Received:
    return Received(Message(ref, text), Where(chat_id))


def group_command(ref: UserRef, chat_id: int, message_id: int, verb: str, text: str) -> Received:
    """Said in a group: answered in the group, in reply to the command's message."""
    return Received(Command(ref, verb, text), Where(chat_id, message_id, in_private=False))


def reachability(ref: UserRef, *, reachable: bool) -> Received:
    return Received(ReachabilityChange(ref, reachable))


def _ref(space: str = "") -> UserRef:
    return UserRef(
        Platform("telegram"),
        "",
        str(ADA),
        display_name="Ada Lovelace",
        locale="de",
        space=space,
    )


def _msg(text: str, **kwargs: Any) -> dict[str, Any]:
    return message_update(
        ADA, text, first_name="Ada", last_name="Lovelace", language_code="de", **kwargs
    )


def test_a_private_command_with_arguments() -> None:
    assert _translate(_msg("/profile timezone Europe/Lisbon")) == command_call(
        _ref(), ADA, "profile", "timezone Europe/Lisbon"
    )


def test_a_deep_link_payload_reaches_start_as_its_text() -> None:
    assert _translate(_msg("/start inv_42-abc")) == command_call(_ref(), ADA, "start", "inv_42-abc")


def test_a_command_addressed_to_this_bot_or_another() -> None:
    mine = _translate(_msg(f"/help@{BOT_USERNAME.upper()} profile"))
    assert mine == command_call(_ref(), ADA, "help", "profile")
    assert _translate(_msg("/help@some_other_bot")) is None


def test_free_text_is_a_message() -> None:
    assert _translate(_msg("  Lisbon ")) == message_call(_ref(), ADA, "  Lisbon ")


def test_the_user_ref_carries_name_and_language_but_no_zone() -> None:
    update = message_update(ADA, "hi", first_name="Zoë", language_code=None)
    call = _translate(update)
    assert isinstance(call, Received) and isinstance(call.inbound, Message)
    assert call.inbound.ref == UserRef(Platform("telegram"), "", str(ADA), display_name="Zoë")
    assert call.inbound.ref.tz_hint is None


def test_a_button_press_in_a_private_chat() -> None:
    update = callback_query_update(
        ADA,
        "d:1:1:=display",
        message_id=55,
        first_name="Ada",
        last_name="Lovelace",
        language_code="de",
        callback_query_id="q1",
    )
    assert _translate(update) == Received(
        Press(ref=_ref(), action_id="d:1:1:=display"),
        Where(
            query_id="q1",
            chat_id=ADA,  # the replies' chat
            message_chat_id=ADA,
            message_id=55,
            in_private=True,
        ),
    )


def test_a_button_press_on_a_group_message_replies_in_private() -> None:
    update = callback_query_update(
        ADA,
        "c:help",
        message_id=9,
        chat_id=GROUP,
        first_name="Ada",
        last_name="Lovelace",
        language_code="de",
        callback_query_id="q2",
    )
    press = _translate(update)
    assert isinstance(press, Received) and press.where is not None
    assert press.where.chat_id == ADA
    assert (press.where.message_chat_id, press.where.in_private) == (GROUP, False)
    assert press.inbound.ref.space == str(GROUP)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/profile@mentorhub_test_bot", True),
        ("/profile", True),  # a bare command we know
        ("/weather", False),  # a bare command we don't: probably another bot's
        ("/start@some_other_bot", False),
        ("hello everyone", False),
    ],
)
def test_in_groups_only_our_commands_get_an_answer(text: str, expected: bool) -> None:
    result = _translate(_msg(text, chat_id=GROUP, message_id=77))
    if expected:
        assert result == group_command(_ref(space=str(GROUP)), GROUP, 77, "profile", "")
    else:
        assert result is None


def test_blocking_and_unblocking() -> None:
    blocked = my_chat_member_update(
        ADA, "kicked", first_name="Ada", last_name="Lovelace", language_code="de"
    )
    back = my_chat_member_update(
        ADA, "member", first_name="Ada", last_name="Lovelace", language_code="de"
    )
    assert _translate(blocked) == reachability(_ref(), reachable=False)
    assert _translate(back) == reachability(_ref(), reachable=True)
    removed_from_group = my_chat_member_update(ADA, "left", chat_id=GROUP)
    assert _translate(removed_from_group) is None


@pytest.mark.parametrize("missing", ["chat", "from", "new_chat_member"])
def test_a_membership_change_missing_a_part_is_ignored_not_a_crash(missing: str) -> None:
    """An update with ``my_chat_member`` but no chat (or no sender, or no new status)
    used to raise AttributeError in translate."""
    update = my_chat_member_update(ADA, "kicked")
    del update["my_chat_member"][missing]
    assert _translate(update) is None


def test_a_sticker_gets_a_hint_and_a_service_message_nothing() -> None:
    sticker = _msg("x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "f",
        "file_unique_id": "u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    assert _translate(sticker) == NonText(_ref(), ADA)
    pinned = _msg("x")
    del pinned["message"]["text"]
    pinned["message"]["new_chat_title"] = "renamed"
    assert _translate(pinned) is None


def test_messages_from_bots_and_edits_are_ignored() -> None:
    from_bot = _msg("hi")
    from_bot["message"]["from"]["is_bot"] = True
    assert _translate(from_bot) is None
    edited = {"edited_message": _msg("hi")["message"]}
    assert _translate(edited) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", ("start", "", "")),
        ("/start@bot a b", ("start", "bot", "a b")),
        ("/profile\nname Ada", ("profile", "", "name Ada")),
        ("/", None),
        ("start", None),
    ],
)
def test_split_command(text: str, expected: tuple[str, str, str] | None) -> None:
    assert split_command(text) == expected


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("chat",), None),  # a message without its chat
        (("chat", "type"), []),
        (("text",), []),
        (("from", "first_name"), 7),
        (("from", "id"), "1"),
    ],
)
def test_a_message_not_shaped_as_telegram_documents_is_ignored(
    path: tuple[str, ...], value: Any
) -> None:
    payload = message_update(ADA, "/pause")
    node = payload["message"]
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert _translate(payload) is None
