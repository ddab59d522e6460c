"""Configuration: a TOML file validated into typed settings at start-up.

Every problem is reported at once, each with what to fix. Secrets never live in the file:
the file names environment variables (``*_env`` keys) and we read those.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from core.settings import CoreSettings


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Secret:
    """A secret value that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    # SQLite file by default; postgresql://user@host/db for real deployments.
    url: str = "sqlite:///mentorhub.db"
    # Apply pending migrations on `mentorhub run`; when false, `run` refuses until
    # `mentorhub db upgrade` has been run.
    auto_migrate: bool = True


@dataclass(frozen=True, slots=True)
class ProgramDefaults:
    cadence_days: int = 14
    duration_weeks: int = 12
    meeting_minutes: int = 30
    request_expiry_hours: int = 72
    mentor_capacity: int = 2


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    policy: str = CoreSettings().privacy_policy


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    # "auto": open the console when no messenger is enabled.
    enabled: Literal["auto", "always", "never"] = "auto"


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    enabled: bool = False
    token_env: str = "MENTORHUB_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str = ""
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret_env: str = "MENTORHUB_TELEGRAM_WEBHOOK_SECRET"


@dataclass(frozen=True, slots=True)
class SlackConfig:
    enabled: bool = False
    mode: Literal["http", "socket"] = "http"
    bot_token_env: str = "MENTORHUB_SLACK_BOT_TOKEN"
    signing_secret_env: str = "MENTORHUB_SLACK_SIGNING_SECRET"
    app_token_env: str = "MENTORHUB_SLACK_APP_TOKEN"
    host: str = "127.0.0.1"
    port: int = 3000
    path: str = "/slack/events"
    base_url: str = "https://slack.com/api/"
    workspace_messages_per_minute: int = 500
    pair_space: bool = False


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    enabled: bool = False
    token_env: str = "MENTORHUB_DISCORD_TOKEN"
    guild_ids: tuple[int, ...] = ()
    sync_global: bool = False
    new_dms_per_hour: int = 60


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    poll_seconds: float = 5.0
    batch_size: int = 500
    lease_seconds: int = 120
    senders_per_platform: int = 16


@dataclass(frozen=True, slots=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    programs: ProgramDefaults = field(default_factory=ProgramDefaults)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    source: str = "(defaults)"

    def messengers(self) -> list[str]:
        return [name for name in ("telegram", "slack", "discord") if getattr(self, name).enabled]

    def console_enabled(self) -> bool:
        if self.console.enabled == "auto":
            return not self.messengers()
        return self.console.enabled == "always"

    def core_settings(self) -> CoreSettings:
        p = self.programs
        return CoreSettings(
            privacy_policy=self.privacy.policy,
            default_cadence_days=p.cadence_days,
            default_duration_weeks=p.duration_weeks,
            default_meeting_minutes=p.meeting_minutes,
            request_expiry_hours=p.request_expiry_hours,
            default_capacity=p.mentor_capacity,
        )

    def secret(self, env_name: str) -> Secret:
        """The secret held by environment variable ``env_name`` (validated at load)."""
        return Secret(os.environ[env_name])


_REQUIRED_SECRETS: dict[str, tuple[tuple[str, typing.Callable[[Any], bool]], ...]] = {
    "telegram": (
        ("token_env", lambda c: True),
        ("webhook_secret_env", lambda c: c.mode == "webhook"),
    ),
    "slack": (
        ("bot_token_env", lambda c: True),
        ("signing_secret_env", lambda c: c.mode == "http"),
        ("app_token_env", lambda c: c.mode == "socket"),
    ),
    "discord": (("token_env", lambda c: True),),
}


def load_config(
    path: str | Path | None, *, environ: typing.Mapping[str, str] | None = None
) -> Config:
    """Read and validate ``path`` (None: defaults only).

    Raises ConfigError listing every problem found.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    source = "(defaults)"
    if path is not None:
        file = Path(path)
        if not file.exists():
            raise ConfigError(
                [f"Config file {file} does not exist. Copy config.example.toml to start."]
            )
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{file} is not valid TOML: {exc}"]) from exc
        source = str(file)
    problems: list[str] = []
    config: Config = _build(Config, raw, "", problems)
    if not problems:
        config = dataclasses.replace(config, source=source)
        problems.extend(_check_semantics(config, env))
    if problems:
        raise ConfigError(problems)
    return config


def _check_semantics(config: Config, env: typing.Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    for section, requirements in _REQUIRED_SECRETS.items():
        settings = getattr(config, section)
        if not settings.enabled:
            continue
        for key, needed in requirements:
            name = getattr(settings, key)
            if needed(settings) and not env.get(name):
                problems.append(
                    f"[{section}] is enabled but environment variable {name} (named by "
                    f"{section}.{key}) is not set. Export it, or set enabled = false."
                )
    if (
        config.telegram.enabled
        and config.telegram.mode == "webhook"
        and not config.telegram.webhook_url
    ):
        problems.append('[telegram] mode = "webhook" needs webhook_url (the public HTTPS URL).')
    if config.discord.new_dms_per_hour < 1:
        problems.append("[discord] new_dms_per_hour must be at least 1.")
    if not config.slack.base_url.endswith("/"):
        problems.append("[slack] base_url must end with '/'.")
    for name, value in (
        ("cadence_days", config.programs.cadence_days),
        ("mentor_capacity", config.programs.mentor_capacity),
    ):
        if value < 1:
            problems.append(f"[programs] {name} must be at least 1.")
    if not config.database.url.split(":", 1)[0].startswith(("sqlite", "postgres")):
        problems.append("[database] url must start with sqlite:// or postgresql://.")
    return problems


def _build(cls: type[Any], raw: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"[{where}] must be a table.")
        return cls()
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{where}.{key}" if where else key
        if key not in known:
            guess = difflib.get_close_matches(key, known, n=1)
            tip = (
                f" Did you mean '{guess[0]}'?"
                if guess
                else f" Known keys: {', '.join(sorted(known))}."
            )
            problems.append(f"Unknown key '{name}'.{tip}")
            continue
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            values[key] = _build(typing.cast(type, hint), value, name, problems)
        else:
            converted = _convert(hint, value, name, problems)
            if converted is not _INVALID:
                values[key] = converted
    return cls(**values)


_INVALID = object()


def _convert(hint: Any, value: Any, name: str, problems: list[str]) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            problems.append(
                f"'{name}' must be one of {', '.join(map(repr, allowed))}; got {value!r}."
            )
            return _INVALID
        return value
    if origin is tuple:
        item = get_args(hint)[0]
        if not isinstance(value, list) or not all(_is(item, v) for v in value):
            problems.append(f"'{name}' must be a list of {item.__name__}; got {value!r}.")
            return _INVALID
        return tuple(value)
    if origin in (types.UnionType, typing.Union):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if not _is(hint, value):
        problems.append(f"'{name}' must be {hint.__name__}; got {type(value).__name__} {value!r}.")
        return _INVALID
    return float(value) if hint is float else value


def _is(hint: Any, value: Any) -> bool:
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)
