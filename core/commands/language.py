"""`language`: the language the bot speaks with you.

Separate from the languages you speak (`profile languages`), which matching uses: a
German speaker may want the bot in English and still be matched with German speakers.
Until someone chooses, the bot follows what their messenger says their app is set to,
then their program's language, then English (core.i18n.Speaker).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Context, language_of
from core.errors import InvalidInput
from core.i18n import LANGUAGES, N_, PSEUDO, _, native_name, supported
from core.messages import Action, Choice, Outcome, Reply
from core.registry import Arg, ArgKind, CommandSpec

AUTOMATIC = "auto"  # back to what the messenger says


def _choices(current: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(native_name(language), Action.command("language", language).encode())
        for language in LANGUAGES
        if language != current
    )


async def cmd_language(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    person = ctx.me()
    wanted = str(args.get("language") or "").strip()
    if not wanted:
        if person.language:
            how = _("You chose it with `language`.")
        else:
            how = _("It follows your messenger's language; choose another with `language <code>`.")
        told = _(
            "I speak {language} with you. {how}\n"
            "The languages you speak, for matching, are separate: `profile languages`.",
            language=native_name(ctx.language),
            how=how,
        )
        return Outcome([Reply(told, title=_("Language"), choices=_choices(ctx.language))])
    if wanted.casefold() == AUTOMATIC:
        person.language = ""
        await ctx.uow.people.save(person)
        ctx.language = await language_of(ctx.uow, person)
        told = _(
            "I'll follow your messenger's language: {language} for now.",
            language=native_name(ctx.language),
        )
        return Outcome([Reply(told)])
    language = supported(wanted)
    if language is None:
        raise InvalidInput(
            _("I don't speak '{language}' yet.", language=wanted[:32]),
            hint=_(
                "Choose one of: {languages}. `language auto` follows your messenger.",
                languages=", ".join(f"`{code}`" for code in LANGUAGES),
            ),
        )
    person.language = language
    await ctx.uow.people.save(person)
    ctx.language = language  # this answer already in it
    if language == PSEUDO:
        return Outcome([Reply(_("Pseudo-language on: every message is marked."))])
    # Translators: {language} is the language's own name, e.g. "Deutsch"
    told = _("From now on I speak {language} with you.", language=native_name(language))
    return Outcome([Reply(told)])


def language_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "language",
            N_("See or choose the language I speak with you"),
            cmd_language,
            args=(
                Arg(
                    "language",
                    ArgKind.WORD,
                    N_("a language code (de, es, pt-BR, ru, en) or auto"),
                    required=False,
                ),
            ),
            examples=("language", "language de", "language pt-BR", "language auto"),
            details=(
                N_(
                    "Until you choose, I follow your messenger's language. The languages "
                    "you speak, used for matching, are set with `profile languages`."
                ),
            ),
        )
    ]
