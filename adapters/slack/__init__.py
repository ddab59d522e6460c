"""The Slack adapter: ``/mentor <verb>``, Block Kit buttons, DMs from the app.

See adapter.py for the transport and where replies go, render.py for the Block Kit mapping
and its escaping rules, translate.py for the payloads we act on, settings.py for the
``[slack]`` config section, and the two app manifests (manifest.http.json,
manifest.socket.json) for the scopes and why each is needed. This module declares the
messenger (:data:`MESSENGER`) without importing the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack import pacing_rules
from adapters.slack.settings import SLACK, SlackConfig, problems, required_secrets
from core.messengers import MessengerDeps, MessengerKind
from core.pacing import PlatformPacing

if TYPE_CHECKING:
    from core.delivery import Messenger


def pacing(config: SlackConfig) -> PlatformPacing:
    return pacing_rules.pacing(workspace_per_minute=config.workspace_messages_per_minute)


def build(config: SlackConfig, deps: MessengerDeps) -> Messenger:
    from adapters.slack.adapter import SlackMessenger, SlackSettings

    http = config.mode == "http"
    return SlackMessenger(
        deps.hub,
        settings=SlackSettings(
            mode=config.mode,
            host=config.host,
            port=config.port,
            path=config.path,
            base_url=config.base_url,
            workspace_messages_per_minute=config.workspace_messages_per_minute,
            pair_space=config.pair_space,
            link_by=config.link_by,
        ),
        bot_token=deps.secret(config.bot_token_env).reveal(),
        signing_secret=deps.secret(config.signing_secret_env).reveal() if http else "",
        app_token="" if http else deps.secret(config.app_token_env).reveal(),
        pacer=deps.pacer,
        pacing=pacing(config),
    )


MESSENGER = MessengerKind(
    platform=SLACK,
    section="slack",
    settings=SlackConfig,
    build=build,
    pacing=pacing,
    secrets=required_secrets,
    problems=problems,
    spaces_have_channels=True,
    space_name="workspace",
)


__all__ = ["MESSENGER", "SLACK", "SlackConfig"]
