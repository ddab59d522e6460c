"""What people type is read the way they meant it: prose with apostrophes, settings in
natural units, time zones as people name them, typos, and buttons pressed by number."""

from __future__ import annotations

import pytest

from bots.bootstrap import Mentorhub
from tests.console_harness import ConsoleSession, own
from tests.journeys.world import copy_of_world


@pytest.fixture
async def world(sqlite_app: Mentorhub, tmp_path_factory: pytest.TempPathFactory) -> ConsoleSession:
    return await copy_of_world(sqlite_app, tmp_path_factory.getbasetemp())


# --- prose is taken as typed (item 11) ------------------------------------------------------


async def test_apostrophes_in_prose_are_text_not_quotes(world: ConsoleSession) -> None:
    out = own(await world.say("mia", "note I don't know", "Only me", "notes"))
    assert "unclosed quote" not in out
    assert "(private): I don't know" in out
    out = own(await world.say("mia", 'note pair=1 Dana\'s tip: "ship it"', "Only me", "notes"))
    assert '(private): Dana\'s tip: "ship it"' in out
    out = own(await world.say("mia", "profile name Zoë O'Brien"))
    assert "Zoë O'Brien" in out and "unclosed quote" not in out
    out = own(await world.say("mia", 'profile name "Zoë Smith"'))  # one pair of quotes: unwrapped
    assert "Name: Zoë Smith" in out
    out = own(await world.say("cora", "configure prog questions What did you try? | What's next?"))
    assert "What did you try? | What's next?" in out
    out = own(await world.say("mia", "goal program=prog Ship the students' portfolio"))
    assert "unclosed quote" not in out and "Ship the students' portfolio" in out


# --- settings refuse what they don't know, and read natural units (items 4, 22) ------------


async def test_a_setting_refuses_a_value_it_does_not_know_and_names_the_valid_ones(
    world: ConsoleSession,
) -> None:
    out = own(await world.say("cora", "configure prog auto_pause maybe", "program prog"))
    assert "'maybe' is not a value of auto_pause." in out and "Use on or off." in out
    assert "Updated auto_pause" not in out
    assert "tell coordinators after 3 and pause the pair" in out  # still on
    out = own(await world.say("cora", "configure prog auto_pause off"))
    assert "Updated auto_pause." in out and "(auto_pause off)" in out
    out = own(await world.say("cora", "configure prog matching sometimes"))
    assert "Use one of: request, assign, suggest." in out


async def test_settings_accept_natural_units_and_the_card_shows_every_setting(
    world: ConsoleSession,
) -> None:
    await world.say(
        "cora",
        "configure prog duration 10 weeks",
        "configure prog cadence fortnightly",
        "configure prog meeting 1 hour",
        "configure prog expiry 3 days",
        "configure prog remind_after 2 missed check-ins",
        "configure prog starts 2026-04-01",
    )
    card = own(await world.say("cora", "program prog"))
    for shown in (
        "Runs: from Wed 01 Apr 2026, no end date",
        "Check-ins: every two weeks",
        "Agreements last: 10 weeks",
        "Meetings: 60 minutes",
        "Requests expire after: 72 hours",
        "Announcements channel: none",
        "Missed check-ins: remind after 2, tell the partner after 2, tell coordinators after 3",
        "Check-in questions:",
    ):
        assert shown in card
    out = own(await world.say("cora", "configure prog channel #mentoring"))
    assert "can't be set by its id: link it from inside the channel" in out
    assert "send `link prog` in it" in out
    out = own(await world.say("cora", "configure prog remind_after 2 days"))
    assert "remind_after counts missed check-ins in a row, not time" in out
    out = own(await world.say("cora", "configure prog remind_after 20"))
    assert "from 1 to 12 missed check-ins" in out
    out = own(await world.say("cora", "configure prog duration 3 days"))
    assert "whole number of weeks" in out


async def test_help_configure_gives_each_settings_format_and_units(world: ConsoleSession) -> None:
    out = own(await world.say("cora", "help configure"))
    assert "duration: how long an agreement lasts, in weeks (1-104)" in out
    assert "cadence: how often pairs check in: weekly, fortnightly, monthly" in out
    assert "remind_after: missed check-ins in a row (1-12)" in out
    assert "auto_pause: on or off" in out


# --- time zones as people name them (item 10) ------------------------------------------------


async def test_fixed_offsets_and_abbreviations_map_to_a_named_zone(world: ConsoleSession) -> None:
    out = own(await world.say("olga", "profile timezone UTC+3"))
    assert "Did you mean UTC?" not in out
    assert "Time zone: UTC+3 (a fixed offset, Etc/GMT-3)" in out  # POSIX signs are reversed
    out = own(await world.say("olga", "profile timezone GMT-5"))
    assert "Time zone: UTC-5 (a fixed offset, Etc/GMT+5)" in out
    out = own(await world.say("olga", "profile timezone PST"))
    assert "Time zone: America/Los_Angeles" in out
    out = own(await world.say("olga", "profile timezone CET"))
    assert "Time zone: Europe/Berlin" in out
    out = own(await world.say("olga", "profile timezone UTC+5:30"))
    assert "not an offset I can use" in out and "Asia/Kolkata" in out


async def test_the_zone_chosen_for_an_abbreviation_or_offset_is_said(
    world: ConsoleSession,
) -> None:
    out = own(await world.say("zoe", 'start "Zoë Park" PST en'))
    assert "You're registered, Zoë Park." in out
    assert "I read 'PST' as the time zone America/Los_Angeles." in out
    out = own(await world.say("zoe", "profile timezone UTC+3"))
    assert "I read 'UTC+3' as the time zone UTC+3 (a fixed offset, Etc/GMT-3)." in out
    out = own(await world.say("zoe", "profile timezone Europe/Berlin"))
    assert "I read" not in out  # its own name: nothing to explain
    out = own(await world.say("ana", "start", "Ana Lima", "Lisbon", "pt"))
    assert "You're registered, Ana Lima." in out and "I read" not in out  # a city: plain


async def test_swapped_or_partial_zone_names_get_a_suggestion(world: ConsoleSession) -> None:
    out = own(await world.say("olga", "profile timezone Berlin/Europe"))
    assert "Did you mean Europe/Berlin?" in out
    out = own(await world.say("olga", "profile timezone America/New_Yo"))
    assert "Did you mean America/New_York?" in out


# --- a typo gets a suggestion, not the whole help (item 23) ----------------------------------


async def test_a_typo_gets_a_suggestion_without_the_whole_help(world: ConsoleSession) -> None:
    out = own(await world.say("mia", "chekin"))
    assert "I don't know the command 'chekin'. Did you mean `checkin`?" in out
    assert "Send `help` to see what you can do." in out
    assert "What you can do" not in out and "Goals and notes:" not in out
    assert len(out.splitlines()) <= 3


async def test_help_in_a_sentence_is_a_request_for_help(world: ConsoleSession) -> None:
    out = own(await world.say("mia", "Help me please"))
    assert "Too many values" not in out
    assert "What you can do" in out and "checkin" in out
    out = own(await world.say("mia", "help with checkin please"))
    assert "help: checkin" in out
    out = own(await world.say("mia", "help chekin"))
    assert "Did you mean `checkin`?" in out


# --- #N presses the button labelled #N (item 24) ----------------------------------------------


async def test_buttons_are_numbered_across_a_list_of_cards(world: ConsoleSession) -> None:
    await world.say("cora", "configure prog matching request")
    await world.say("olga", "enroll prog mentee", "figma", "Learn", "async", "#1")
    cards = own(await world.say("olga", "mentors prog"))
    assert "[#1 Ask Dana Berg]" in cards and "[#2 Ask Erik Lund]" in cards
    out = own(await world.say("olga", "#1"))
    assert "I've asked Dana Berg." in out
