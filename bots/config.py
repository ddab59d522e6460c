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

from bots.messengers import messenger_kinds
from core.messengers import MessengerKind, Secret
from core.settings import CoreSettings

__all__ = ["Config", "ConfigError", "Secret", "load_config"]


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    # Each messenger's section by its name (``[telegram]``…), as its package declares it;
    # a section not given has its defaults.
    sections: typing.Mapping[str, Any] = field(default_factory=dict)
    source: str = "(defaults)"

    def section(self, kind: MessengerKind[Any]) -> Any:
        """The settings of ``kind``'s section (its defaults when the file has none)."""
        given = self.sections.get(kind.section)
        return given if given is not None else kind.settings()

    def enabled_kinds(self) -> list[MessengerKind[Any]]:
        """The messengers to run: each decides from its section (the console opens when no
        other messenger is enabled, unless told otherwise)."""
        kinds = messenger_kinds()
        flagged = {kind.section for kind in kinds if kind.enabled(self.section(kind), False)}
        return [
            kind
            for kind in kinds
            if kind.enabled(self.section(kind), bool(flagged - {kind.section}))
        ]

    def messengers(self) -> list[str]:
        """The enabled messengers other than a terminal console, by section name."""
        return [kind.section for kind in self.enabled_kinds() if kind.section != "console"]

    def console_enabled(self) -> bool:
        return any(kind.section == "console" for kind in self.enabled_kinds())

    def core_settings(self) -> CoreSettings:
        p = self.programs
        return CoreSettings(
            privacy_policy=self.privacy.policy,
            default_cadence_days=p.cadence_days,
            default_duration_weeks=p.duration_weeks,
            default_meeting_minutes=p.meeting_minutes,
            request_expiry_hours=p.request_expiry_hours,
            default_capacity=p.mentor_capacity,
            spaces_with_channels=frozenset(
                kind.platform for kind in messenger_kinds() if kind.spaces_have_channels
            ),
        )

    def secret(self, env_name: str) -> Secret:
        """The secret held by environment variable ``env_name`` (validated at load)."""
        return Secret(os.environ[env_name])


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
    kinds = {kind.section: kind for kind in messenger_kinds()}
    sections = {
        name: _build(kinds[name].settings, raw.pop(name), name, problems)
        for name in list(raw)
        if name in kinds
    }
    config: Config = _build(Config, raw, "", problems, extra_known=kinds)
    config = dataclasses.replace(config, sections=sections)
    if not problems:
        config = dataclasses.replace(config, source=source)
        problems.extend(_check_semantics(config, env))
    if problems:
        raise ConfigError(problems)
    return config


def _check_semantics(config: Config, env: typing.Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    enabled = config.enabled_kinds()
    for kind in enabled:
        settings = config.section(kind)
        for key, name in kind.secrets(settings):
            if not env.get(name):
                problems.append(
                    f"[{kind.section}] is enabled but environment variable {name} (named by "
                    f"{kind.section}.{key}) is not set. Export it, or set enabled = false."
                )
    for kind in messenger_kinds():
        problems.extend(kind.problems(config.section(kind)))
    for name, value in (
        ("cadence_days", config.programs.cadence_days),
        ("mentor_capacity", config.programs.mentor_capacity),
    ):
        if value < 1:
            problems.append(f"[programs] {name} must be at least 1.")
    if not config.database.url.split(":", 1)[0].startswith(("sqlite", "postgres")):
        problems.append("[database] url must start with sqlite:// or postgresql://.")
    return problems


def _build(
    cls: type[Any],
    raw: Any,
    where: str,
    problems: list[str],
    extra_known: typing.Collection[str] = (),
) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"[{where}] must be a table.")
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name not in ("source", "sections")}
    known = fields | set(extra_known)
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
