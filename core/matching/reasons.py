"""Why a mentee is left waiting (codes and the words they are told), and a refused lock:
light enough for any command to import without loading the engine."""

from __future__ import annotations

PHRASES = {
    "paused": "You're paused right now, so you aren't matched until you're back.",
    "already_paired": "You already have a mentor in this program.",
    "required_language": "This program pairs people who speak {language}; your profile "
    "doesn't list it.",
    "no_language": "No mentor speaks your language yet.",
    "unavailable": "No mentor with room fits your profile right now.",
    "no_skill": "No mentor with a free place offers what you want to learn yet.",
    "full": "Every mentor who fits you is full right now. You're waiting, and you come "
    "first next time.",
}
CODES = tuple(PHRASES)


class LockRefused(ValueError):
    """A locked pair the rules don't allow; the message is safe to show (no block named)."""
