"""Settings core reads. ``bots/config.py`` builds them from the validated TOML file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CoreSettings:
    # More words from whoever runs this mentorhub, shown at the end of `privacy` (who they
    # are, how to reach them); what is stored and for how long is said by core itself.
    privacy_policy: str = ""
    # Retention ([privacy] in the config), which `privacy` states.
    keep_ended_pairs_days: int = 365
    keep_sent_messages_days: int = 2
    removed_workspace_grace_days: int = 30
    default_cadence_days: int = 14
    default_duration_weeks: int = 12
    default_meeting_minutes: int = 30
    request_expiry_hours: int = 72
    default_capacity: int = 2
    # Messengers whose shared spaces are servers or workspaces with channels inside: a
    # program's announcements go to a channel there (declared by each messenger).
    spaces_with_channels: frozenset[str] = field(default_factory=frozenset)
    # What each messenger's users call a shared space ("server", "workspace"; "group"
    # where it isn't named), so replies name it as they do.
    space_names: Mapping[str, str] = field(default_factory=dict)

    def place_name(self, platform: str) -> str:
        """Where a post goes on ``platform``: a "channel" (inside a server or workspace)
        or a "group" chat."""
        return "channel" if platform in self.spaces_with_channels else "group"

    def space_name(self, platform: str) -> str:
        """What ``platform``'s users call a shared space: server, workspace or group."""
        return self.space_names.get(platform, "group")

    # Who may create programs: "anyone" registered, "admins" (whom the platform calls an
    # administrator where they ask), or only these accounts ("<platform>:<user id>").
    program_creators: str | tuple[str, ...] = "anyone"
    # Where the dashboard is reached ([web] public_url), "" when it isn't served: then
    # `dashboard` says the operator hasn't turned it on.
    dashboard_url: str = ""
