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
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bots.messengers import messenger_kinds
from core.messengers import Bounds, MessengerKind, Secret, bounded
from core.privacy import PrivacyRetention
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
    # The ranges `configure` accepts for a program.
    cadence_days: int = bounded(14, 1, 90, unit="days")
    duration_weeks: int = bounded(12, 1, 104, unit="weeks")
    meeting_minutes: int = bounded(30, 5, 240, unit="minutes")
    request_expiry_hours: int = bounded(72, 1, 720, unit="hours")
    mentor_capacity: int = bounded(2, 1, 20, unit="mentees")
    # Who may create programs: "anyone", "admins" (the messenger's administrators), or a
    # list of accounts "<messenger>:<user id>".
    creators: str | tuple[str, ...] = "anyone"


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    # Added at the end of `privacy`: who runs this mentorhub and how to reach them.
    policy: str = CoreSettings().privacy_policy
    # What a pair wrote (notes, agreements, answers, feedback) is deleted this long after
    # the pair ends; the pair and its check-in counts stay as anonymous history.
    keep_ended_pairs_days: int = bounded(365, 1, 3650, unit="days")
    # Delivered messages (which copy briefs and notes) keep their text this long.
    keep_sent_messages_days: int = bounded(2, 1, 30, unit="days")
    # After a Slack workspace uninstalls the app or a Discord server removes the bot, its
    # people's data is deleted after this grace period (unless the app comes back first).
    removed_workspace_grace_days: int = bounded(30, 0, 365, unit="days")


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    poll_seconds: float = bounded(5.0, 0.1, 3600.0, unit="seconds")
    batch_size: int = bounded(500, 1, 100_000, unit="rows")
    # Longer than a dispatch pass can take, or a live claim is taken over.
    lease_seconds: int = bounded(120, 10, 86_400, unit="seconds")
    senders_per_platform: int = bounded(16, 1, 1000)
    # On SIGTERM: how long sends under way may take to finish before mentorhub hands
    # back what it still holds and exits (a second signal exits at once).
    shutdown_seconds: float = bounded(10.0, 1.0, 300.0, unit="seconds")


@dataclass(frozen=True, slots=True)
class OpsConfig:
    # The operations port: /healthz, /readyz and /metrics over HTTP. Off unless enabled.
    # It tells whoever reaches it how busy mentorhub is: keep it on a private address.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = bounded(9464, 0, 65535)  # 0: any free port (tests)
    # /readyz fails when the database doesn't answer SELECT 1 within this long.
    database_timeout_seconds: float = bounded(2.0, 0.1, 30.0, unit="seconds")


@dataclass(frozen=True, slots=True)
class WebConfig:
    # The coordinators' dashboard (README "Dashboard"), reached with a one-time link from
    # `dashboard <program>` in chat. Off unless enabled; serve it behind an HTTPS proxy.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = bounded(8080, 0, 65535)  # 0: any free port (tests)
    # The address people open, as the proxy serves it: https://mentoring.example.org
    # (links in chat start with it; the session cookie is Secure when it is https).
    public_url: str = ""

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class LogConfig:
    # "text" for people; "json": one JSON object a line (time, level, logger, message,
    # correlation_id), for a log collector.
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True, slots=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    programs: ProgramDefaults = field(default_factory=ProgramDefaults)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    ops: OpsConfig = field(default_factory=OpsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    log: LogConfig = field(default_factory=LogConfig)
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

    def notes(self) -> list[str]:
        """What the enabled messengers' sections do that may not be what was meant."""
        notes = [note for kind in self.enabled_kinds() for note in kind.notes(self.section(kind))]
        if self.web.enabled and not self.web.secure:
            notes.append(
                "[web] public_url is not https: the dashboard's session cookie travels "
                'unencrypted; put it behind an HTTPS proxy (README "Dashboard")'
            )
        return notes

    def console_enabled(self) -> bool:
        return any(kind.section == "console" for kind in self.enabled_kinds())

    def core_settings(self) -> CoreSettings:
        p = self.programs
        return CoreSettings(
            privacy_policy=self.privacy.policy,
            keep_ended_pairs_days=self.privacy.keep_ended_pairs_days,
            keep_sent_messages_days=self.privacy.keep_sent_messages_days,
            removed_workspace_grace_days=self.privacy.removed_workspace_grace_days,
            default_cadence_days=p.cadence_days,
            default_duration_weeks=p.duration_weeks,
            default_meeting_minutes=p.meeting_minutes,
            request_expiry_hours=p.request_expiry_hours,
            default_capacity=p.mentor_capacity,
            program_creators=p.creators,
            spaces_with_channels=frozenset(
                kind.platform for kind in messenger_kinds() if kind.spaces_have_channels
            ),
            space_names={kind.platform: kind.space_name for kind in messenger_kinds()},
            dashboard_url=self.web.public_url.rstrip("/") if self.web.enabled else "",
        )

    def privacy_retention(self) -> PrivacyRetention:
        p = self.privacy
        return PrivacyRetention(
            keep_ended_pairs_days=p.keep_ended_pairs_days,
            keep_sent_messages_days=p.keep_sent_messages_days,
            removed_workspace_grace_days=p.removed_workspace_grace_days,
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
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"Config file {file} can't be read: {exc}"]) from exc
        source = str(file)
    problems: list[str] = []
    kinds = {kind.section: kind for kind in messenger_kinds()}
    sections = {
        name: _build(kinds[name].settings, raw.pop(name), name, problems)
        for name in list(raw)
        if name in kinds
    }
    config: Config = _build(Config, raw, "", problems, extra_known=kinds)
    # A value with the wrong type or out of range was reported and left at its default,
    # so what depends on it is checked too: every problem is listed in one pass.
    config = dataclasses.replace(config, sections=sections, source=source)
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
    problems.extend(_database_problems(config.database.url))
    problems.extend(_creators_problems(config.programs.creators))
    problems.extend(_web_problems(config.web))
    return problems


def _web_problems(web: WebConfig) -> list[str]:
    if not web.enabled:
        return []
    url = urlsplit(web.public_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        return [
            "[web] is enabled but public_url is not an http(s) address: set it to where "
            'people open the dashboard, e.g. "https://mentoring.example.org".'
        ]
    if url.query or url.fragment:
        return [f"[web] public_url {web.public_url!r} must not have a query or fragment."]
    return []


def _creators_problems(creators: str | tuple[str, ...]) -> list[str]:
    if isinstance(creators, str):
        if creators in ("anyone", "admins"):
            return []
        return [
            f'[programs] creators must be "anyone", "admins" or a list of accounts '
            f'such as ["discord:80351110224678912"]; got {creators!r}.'
        ]
    platforms = sorted(kind.section for kind in messenger_kinds())
    bad = [
        account
        for account in creators
        if account.partition(":")[0] not in platforms or not account.partition(":")[2].strip()
    ]
    if bad:
        return [
            f"[programs] creators: {', '.join(map(repr, bad))} "
            f"{'is' if len(bad) == 1 else 'are'} not an account; write "
            f'"<messenger>:<user id>" with a messenger among {", ".join(platforms)}.'
        ]
    return []


def _database_problems(url: str) -> list[str]:
    if not url.split(":", 1)[0].startswith(("sqlite", "postgres")):
        return ["[database] url must start with sqlite:// or postgresql://."]
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [f"[database] url {url!r} is not a database URL (e.g. sqlite:///mentorhub.db)."]
    database = parsed.database or ":memory:"
    if parsed.get_backend_name() == "sqlite" and database != ":memory:":
        folder = Path(database).absolute().parent
        if not folder.is_dir():
            return [
                f"[database] url: the folder {folder} for the SQLite file doesn't exist. "
                "Create it, or change the path."
            ]
    return []


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
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("source", "sections")}
    known = set(fields) | set(extra_known)
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
            if converted is not _INVALID and (problem := _out_of_bounds(fields[key], name, value)):
                problems.append(problem)
                converted = _INVALID
            if converted is not _INVALID:
                values[key] = converted
    return cls(**values)


_INVALID = object()


def _out_of_bounds(spec: dataclasses.Field[Any], name: str, value: Any) -> str | None:
    bounds = spec.metadata.get("bounds")
    return bounds.problem(name, value) if isinstance(bounds, Bounds) else None


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
        options = [a for a in get_args(hint) if a is not type(None)]
        for option in options[:-1]:  # the first that takes the value; the last reports
            tried: list[str] = []
            converted = _convert(option, value, name, tried)
            if not tried:
                return converted
        hint = options[-1]
        if get_origin(hint) is not None:
            return _convert(hint, value, name, problems)
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
