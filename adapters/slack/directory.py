"""What we look up about people: their DM channel with us and, with ``users:read``, their
display name, time zone and locale. Cached per user, because every inbound event needs them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.outbound import NETWORK_ERRORS, Poster
from core.memory import LruCache

log = logging.getLogger(__name__)

# users.info answers these when the app lacks users:read (or the token type can't read users).
MEMBERS_PAGE = 200  # conversations.members: Slack recommends no more than 200 a page

_NO_PROFILE_ACCESS = frozenset({"missing_scope", "not_allowed_token_type", "no_permission"})


@dataclass(frozen=True, slots=True)
class Profile:
    display_name: str = ""
    tz: str | None = None  # IANA zone as Slack has it, e.g. "Europe/Berlin"
    locale: str | None = None  # e.g. "en-US"
    is_admin: bool = False  # a workspace admin or owner


class Directory:
    """DM and pair-space channels (``conversations.open``, cached for good: the id never
    changes) and profiles (``users.info``, cached for a day: people travel and change zones)."""

    def __init__(
        self,
        client: AsyncWebClient,
        poster: Poster,
        *,
        read_profiles: bool = True,
        profile_ttl: float = 24 * 3600.0,
    ) -> None:
        self._client = client
        self._poster = poster
        self.read_profiles = read_profiles
        self._dms: LruCache[tuple[str, str], str] = LruCache(50_000)
        self._groups: LruCache[tuple[str, str], str] = LruCache(50_000)
        self._profiles: LruCache[tuple[str, str], Profile] = LruCache(50_000, ttl=profile_ttl)

    async def dm_channel(self, team: str, user_id: str) -> str:
        """Our DM channel with the person; raises a core DeliveryError when Slack refuses."""
        key = (team, user_id)
        channel = self._dms.get(key)
        if channel is None:
            channel = await self._poster.open_dm(team, user_id)
            self._dms.put(key, channel)
        return channel

    async def pair_channel(self, team: str, user_id: str, partner_id: str) -> str:
        """The group DM of two people and the app (their pair space); cached like DMs."""
        users = tuple(sorted((user_id, partner_id)))
        key = (team, ",".join(users))
        channel = self._groups.get(key)
        if channel is None:
            channel = await self._poster.open_conversation(team, users)
            self._groups.put(key, channel)
        return channel

    def remember_dm(self, team: str, user_id: str, channel: str) -> None:
        self._dms.put((team, user_id), channel)

    async def profile(self, team: str, user_id: str) -> Profile | None:
        """The person's Slack profile, or None (no ``users:read``, or Slack could not say).

        Fallback: without it, the core asks for the time zone and the name is the one the
        payload carries.
        """
        if not self.read_profiles:
            return None
        key = (team, user_id)
        cached = self._profiles.get(key)
        if cached is not None:
            return cached
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            error = exc.response.get("error") if hasattr(exc.response, "get") else None
            if error in _NO_PROFILE_ACCESS:
                self.read_profiles = False
                log.info(
                    "no users:read scope (%s): people will be asked for their time zone", error
                )
            else:
                log.debug("users.info for %s failed: %s", user_id, error)
            return None
        except (*NETWORK_ERRORS, SlackClientError) as exc:
            log.debug("users.info for %s failed: %s", user_id, type(exc).__name__)
            return None
        found = _profile_from(response.get("user"))
        self._profiles.put(key, found)
        return found

    async def is_member(self, channel: str, user_id: str) -> bool:
        """Whether ``user_id`` is in ``channel`` (``conversations.members``, page by page;
        never cached: people come and go). False when Slack can't say."""
        cursor = ""
        try:
            while True:
                response = await self._client.conversations_members(
                    channel=channel, limit=MEMBERS_PAGE, cursor=cursor or None
                )
                members = response.get("members")
                if isinstance(members, list) and user_id in members:
                    return True
                metadata = response.get("response_metadata")
                cursor = metadata.get("next_cursor", "") if isinstance(metadata, dict) else ""
                if not cursor:
                    return False
        except SlackApiError as exc:
            error = exc.response.get("error") if hasattr(exc.response, "get") else None
            log.info("conversations.members for %s failed: %s", channel, error)
        except (*NETWORK_ERRORS, SlackClientError) as exc:
            log.info("conversations.members for %s failed: %s", channel, type(exc).__name__)
        return False

    def cached_profile(self, team: str, user_id: str) -> Profile | None:
        """The profile if we have it, without asking Slack (for paths that must not wait)."""
        return self._profiles.get((team, user_id))

    def forget_team(self, team: str) -> None:
        self._dms.drop(lambda key: key[0] == team)
        self._groups.drop(lambda key: key[0] == team)
        self._profiles.drop(lambda key: key[0] == team)


def _profile_from(user: object) -> Profile:
    if not isinstance(user, dict):
        return Profile()
    details = user.get("profile")
    details = details if isinstance(details, dict) else {}
    name = ""
    # The full name reads best in a mentoring program; the display name is often a nickname.
    for candidate in (details.get("real_name"), user.get("real_name"), details.get("display_name")):
        if isinstance(candidate, str) and candidate.strip():
            name = candidate.strip()
            break
    tz, locale = user.get("tz"), user.get("locale")
    return Profile(
        display_name=name,
        tz=tz if isinstance(tz, str) and tz else None,
        locale=locale if isinstance(locale, str) and locale else None,
        is_admin=any(user.get(flag) is True for flag in ("is_admin", "is_owner")),
    )
