"""Why a mentee is left waiting (codes and the words they are told), and a refused lock:
light enough for any command to import without loading the engine."""

from __future__ import annotations

from core.i18n import N_

PHRASES = {
    "paused": N_("You're paused right now, so you aren't matched until you're back."),
    "already_paired": N_("You already have a mentor in this program."),
    "required_language": N_(
        "This program pairs people who speak {language}; your profile doesn't list it."
    ),
    "no_language": N_("No mentor speaks your language yet."),
    "unavailable": N_("No mentor with room fits your profile right now."),
    "no_skill": N_("No mentor with a free place offers what you want to learn yet."),
    "full": N_(
        "Every mentor who fits you is full right now. You're waiting, and you come first next time."
    ),
}  # each said with core.i18n.said (``{language}``: the language's name, a message)
CODES = tuple(PHRASES)


class LockRefused(ValueError):
    """A locked pair the rules don't allow; the message is safe to show (no block named)."""
