"""Builds the enabled messenger adapters from config. SDKs are imported only when enabled."""

from __future__ import annotations

from adapters.discord import pacing_rules as discord_rules
from adapters.slack import pacing_rules as slack_rules
from adapters.telegram import pacing_rules as telegram_rules
from bots.config import Config
from core.delivery import Messenger
from core.hub import Hub
from core.identity import Platform
from core.pacing import Pacer, PlatformPacing


def build_pacing(config: Config) -> dict[Platform, PlatformPacing]:
    """Each messenger's pacing rules as configured."""
    return pacing_rules(
        slack_workspace_per_minute=config.slack.workspace_messages_per_minute,
        discord_new_dms_per_hour=config.discord.new_dms_per_hour,
    )


def pacing_rules(
    *, slack_workspace_per_minute: float = 500.0, discord_new_dms_per_hour: float = 60.0
) -> dict[Platform, PlatformPacing]:
    """Each messenger's pacing rules, as its adapter declares them (no SDK is imported)."""
    rules = [
        telegram_rules.pacing(),
        slack_rules.pacing(workspace_per_minute=slack_workspace_per_minute),
        discord_rules.pacing(new_dms_per_hour=discord_new_dms_per_hour),
    ]
    return {rule.platform: rule for rule in rules}


def build_messengers(config: Config, hub: Hub, pacer: Pacer | None = None) -> list[Messenger]:
    """The enabled messengers; ``pacer`` is the process's one pacer (the delivery worker's),
    so their replies and the outbox share each conversation's budget."""
    pacer = pacer or Pacer()
    messengers: list[Messenger] = []
    if config.telegram.enabled:
        messengers.append(_telegram(config, hub, pacer))
    if config.slack.enabled:
        messengers.append(_slack(config, hub, pacer))
    if config.discord.enabled:
        messengers.append(_discord(config, hub, pacer))
    return messengers


def _telegram(config: Config, hub: Hub, pacer: Pacer) -> Messenger:
    from adapters.telegram import TelegramMessenger, WebhookSettings

    settings = config.telegram
    webhook = None
    if settings.mode == "webhook":
        webhook = WebhookSettings(
            url=settings.webhook_url,
            secret=config.secret(settings.webhook_secret_env).reveal(),
            host=settings.webhook_host,
            port=settings.webhook_port,
            path=settings.webhook_path,
        )
    return TelegramMessenger(
        hub,
        token=config.secret(settings.token_env).reveal(),
        uow_factory=hub.uow_factory,
        base_url=settings.base_url,
        webhook=webhook,
    )


def _slack(config: Config, hub: Hub, pacer: Pacer) -> Messenger:
    from adapters.slack import SlackMessenger, SlackSettings

    slack = config.slack
    http = slack.mode == "http"
    return SlackMessenger(
        hub,
        uow_factory=hub.uow_factory,
        settings=SlackSettings(
            mode=slack.mode,
            host=slack.host,
            port=slack.port,
            path=slack.path,
            base_url=slack.base_url,
            workspace_messages_per_minute=slack.workspace_messages_per_minute,
            pair_space=slack.pair_space,
        ),
        bot_token=config.secret(slack.bot_token_env).reveal(),
        signing_secret=config.secret(slack.signing_secret_env).reveal() if http else "",
        app_token="" if http else config.secret(slack.app_token_env).reveal(),
    )


def _discord(config: Config, hub: Hub, pacer: Pacer) -> Messenger:
    from adapters.discord import DiscordMessenger, DiscordSettings

    settings = config.discord
    return DiscordMessenger(
        hub,
        token=config.secret(settings.token_env),
        uow_factory=hub.uow_factory,
        settings=DiscordSettings(
            guild_ids=settings.guild_ids,
            sync_global=settings.sync_global,
            new_dms_per_hour=settings.new_dms_per_hour,
        ),
    )
