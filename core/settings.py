"""Settings core reads. ``bots/config.py`` builds them from the validated TOML file."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CoreSettings:
    privacy_policy: str = (
        "mentorhub stores your name, time zone, languages and what you enter in your programs. "
        "Private notes and answers are visible only to you. To stop taking part, `leave` your "
        "programs; to have your data deleted, ask whoever runs this mentorhub."
    )
    default_cadence_days: int = 14
    default_duration_weeks: int = 12
    default_meeting_minutes: int = 30
    request_expiry_hours: int = 72
    default_capacity: int = 2
    # Messengers whose shared spaces are servers or workspaces with channels inside: a
    # program's announcements go to a channel there (declared by each messenger).
    spaces_with_channels: frozenset[str] = field(default_factory=frozenset)
    # Who may create programs: "anyone" registered, "admins" (whom the platform calls an
    # administrator where they ask), or only these accounts ("<platform>:<user id>").
    program_creators: str | tuple[str, ...] = "anyone"
