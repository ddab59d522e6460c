"""Interaction payloads (built like Discord sends them) -> hub calls."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord.render import ANSWER_BUTTON_ID, ANSWER_MODAL_ID
from adapters.discord.translate import (
    Ignore,
    InteractionFacts,
    OpenAnswer,
    Suggest,
    options_text,
    translate,
    user_ref,
)
from core.commands import build_registry
from core.identity import Platform, UserRef
from core.inbound import Command, Message, Press
from core.registry import ArgKind, CommandSpec, split_words
from tests.fakes.discord_api import (
    component_interaction,
    message_object,
    modal_submit_interaction,
    option,
    slash_command_interaction,
    subcommand,
    user_object,
)

GUILD = 111111111111111111
USER = 222222222222222222
CHANNEL = GUILD + 1


def slash(
    verb: str, *options: dict[str, Any], guild: int | None = GUILD, **kwargs: Any
) -> InteractionFacts:
    payload = slash_command_interaction(
        interaction_id=1,
        user_id=USER,
        channel_id=CHANNEL,
        guild_id=guild,
        options=[subcommand(verb, *options)],
        **kwargs,
    )
    return InteractionFacts.from_payload(payload)


def test_slash_command_in_a_guild() -> None:
    facts = slash("start", option("name", "Ann Lee"), option("timezone", "Europe/Berlin"))
    assert translate(facts) == Command(
        user_ref(facts), "start", "name='Ann Lee' timezone=Europe/Berlin"
    )
    assert user_ref(facts) == UserRef(
        Platform("discord"),
        "",
        str(USER),
        display_name=f"user{USER}",
        locale="en-US",
        space=str(GUILD),
        channel=str(CHANNEL),
    )


def test_slash_command_in_a_dm_has_no_space_and_keeps_locale() -> None:
    payload = slash_command_interaction(
        interaction_id=2,
        user_id=USER,
        channel_id=555,
        options=[subcommand("profile")],
        username="ann",
        locale="pt-BR",
    )
    payload["user"]["global_name"] = "Ann Lee"
    facts = InteractionFacts.from_payload(payload)
    assert translate(facts) == Command(user_ref(facts), "profile", "")
    ref = user_ref(facts)
    assert (ref.space, ref.channel, ref.display_name, ref.locale) == ("", "", "Ann Lee", "pt-BR")


def test_integer_and_nested_group_options() -> None:
    data = {
        "name": "mentor-admin",
        "options": [
            {
                "type": 2,
                "name": "program",
                "options": [{"type": 1, "name": "cadence", "options": [option("days", 14)]}],
            }
        ],
    }
    facts = InteractionFacts(id=1, type=2, data=data, user_id=USER, username="ann")
    assert translate(facts) == Command(user_ref(facts), "cadence", "days=14")


@pytest.mark.parametrize(
    "value",
    [
        "Ann Lee",
        "O'Brien",
        'say "hi"',
        "back\\slash",
        "a=b",
        "  spaced  ",
        "@everyone",
        "multi\nline",
        "",
    ],
)
def test_option_text_reads_back_exactly_through_cores_parser(value: str) -> None:
    spec = build_registry().get("profile")
    assert spec is not None
    text = options_text([{"name": "value", "type": 3, "value": value}])
    assert split_words(text) == [f"value={value}"]


def test_smart_quotes_are_the_one_normalisation() -> None:
    # core turns ’ into ' for everything typed; we do it before quoting, so it stays balanced
    text = options_text([{"name": "name", "type": 3, "value": "O’Brien “Jr”"}])
    assert split_words(text) == ['name=O\'Brien "Jr"']


def test_every_registry_command_round_trips_its_options() -> None:
    registry = build_registry()
    for spec in registry.all():
        options = [{"name": a.name, "type": 3, "value": sample(spec, a.name)} for a in spec.args]
        parsed = spec.parse(options_text(options))
        assert set(parsed) == {a.name for a in spec.args}, spec.name


SAMPLES = {
    ArgKind.TEXT: "Ann O'Neil said “hi” & left",
    ArgKind.WORD: "design-26",
    ArgKind.PROGRAM: "design-26",
    ArgKind.PERSON: "ann_oneil",
    ArgKind.INT: "3",
    ArgKind.DATE: "2026-05-01",
    ArgKind.TIMEZONE: "Europe/Berlin",
}


def sample(spec: CommandSpec, name: str) -> str:
    arg = next(a for a in spec.args if a.name == name)
    if arg.kind is ArgKind.CHOICE:
        return arg.choices[0]
    if spec.name == "profile" and name == "value":
        return "22-7"
    return SAMPLES[arg.kind]


def test_autocomplete_names_the_focused_option() -> None:
    payload = slash_command_interaction(
        interaction_id=3,
        user_id=USER,
        channel_id=CHANNEL,
        guild_id=GUILD,
        options=[subcommand("start", option("name", "Ann"), option("timezone", "berl"))],
    )
    payload["type"] = 4
    payload["data"]["options"][0]["options"][1]["focused"] = True
    assert translate(InteractionFacts.from_payload(payload)) == Suggest("start", "timezone", "berl")


def button(custom_id: str, component_type: int = 2) -> InteractionFacts:
    message = message_object(message_id=9, channel_id=CHANNEL, author=user_object(1, bot=True))
    return InteractionFacts.from_payload(
        component_interaction(
            interaction_id=4,
            custom_id=custom_id,
            user_id=USER,
            message=message,
            channel_id=CHANNEL,
            guild_id=GUILD,
            component_type=component_type,
        )
    )


def test_buttons() -> None:
    pressed = button("d:5:3:Europe/Berlin")
    assert translate(pressed) == Press(user_ref(pressed), "d:5:3:Europe/Berlin")
    assert translate(button(ANSWER_BUTTON_ID)) == OpenAnswer()
    assert isinstance(translate(button("x", component_type=3)), Ignore)


def test_modal_submit_is_free_text() -> None:
    facts = InteractionFacts.from_payload(
        modal_submit_interaction(
            interaction_id=5,
            custom_id=ANSWER_MODAL_ID,
            user_id=USER,
            fields={"answer": "Lisbon"},
            channel_id=CHANNEL,
            guild_id=GUILD,
        )
    )
    assert translate(facts) == Message(user_ref(facts), "Lisbon")
    labelled = InteractionFacts(
        id=6,
        type=5,
        data={
            "custom_id": ANSWER_MODAL_ID,
            "components": [
                {"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "Oslo"}}
            ],
        },
        user_id=USER,
        username="ann",
    )
    assert translate(labelled) == Message(user_ref(labelled), "Oslo")
    other = InteractionFacts(id=7, type=5, data={"custom_id": "x"}, user_id=USER, username="a")
    assert isinstance(translate(other), Ignore)
