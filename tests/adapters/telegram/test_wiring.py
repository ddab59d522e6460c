"""The Telegram messenger is built from its config section, secrets from the environment."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.telegram import TelegramConfig
from adapters.telegram.adapter import TelegramMessenger, WebhookSettings, retry_after_seconds
from bots.bootstrap import Mentorhub, build
from core.identity import Platform


def _with_telegram(app: Mentorhub, **settings: object) -> Mentorhub:
    """The app built again, from its config with Telegram enabled."""
    telegram = TelegramConfig(enabled=True, **settings)  # type: ignore[arg-type]
    config = dataclasses.replace(app.config, sections={"telegram": telegram})
    return build(config, clock=app.clock, engine=app.engine)


async def test_polling_mode_from_config(app: Mentorhub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", "42:from-env")
    [messenger] = _with_telegram(app, base_url="http://127.0.0.1:9/bot").messengers
    assert isinstance(messenger, TelegramMessenger)
    assert messenger.platform is Platform("telegram")
    assert messenger.application.bot.token == "42:from-env"
    assert messenger.application.bot.base_url == "http://127.0.0.1:9/bot42:from-env"
    assert messenger.application.updater is not None
    assert "from-env" not in repr(messenger)


async def test_webhook_mode_from_config(app: Mentorhub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", "42:from-env")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    [messenger] = _with_telegram(
        app,
        mode="webhook",
        webhook_url="https://bot.example.org/tg",
        webhook_port=8555,
        webhook_path="tg",
        webhook_secret_env="HOOK_SECRET",
    ).messengers
    assert isinstance(messenger, TelegramMessenger)
    assert messenger.application.updater is None  # our own webhook server receives
    webhook = messenger._webhook
    assert webhook is not None
    assert (webhook.url, webhook.port, webhook.path, webhook.host) == (
        "https://bot.example.org/tg",
        8555,
        "tg",
        "127.0.0.1",
    )
    assert webhook.secret == "hook-secret"
    assert "hook-secret" not in repr(webhook)
    assert repr(messenger) == "TelegramMessenger(mode=webhook)"


@pytest.mark.parametrize("opt_in", ["1", None])
def test_retry_after_is_read_either_way(
    opt_in: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telegram.error import RetryAfter

    if opt_in is None:
        monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    else:
        monkeypatch.setenv("PTB_TIMEDELTA", opt_in)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB itself warns when building one
        error = RetryAfter(12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # …but reading it through us does not
        assert retry_after_seconds(error) == 12.0


@pytest.mark.parametrize("secret", ["", "has space", "x" * 257, "ünïcode"])
def test_a_webhook_secret_telegram_would_refuse_is_caught_early(secret: str) -> None:
    with pytest.raises(ValueError, match="1-256 characters") as error:
        WebhookSettings(url="https://bot.example.org/tg", secret=secret)
    assert secret not in str(error.value) or not secret
