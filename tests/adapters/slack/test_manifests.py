"""The app manifests ask for the least we need, and match what the adapter handles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.adapter import COMMAND, SlackSettings

HERE = Path(__file__).resolve().parents[3] / "adapters" / "slack"
LEAST_SCOPES = [
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
]
HANDLED_EVENTS = ["message.im", "app_uninstalled", "tokens_revoked", "user_change"]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"manifest.{name}.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize("name", ["http", "socket"])
def test_scopes_events_and_the_command(name: str) -> None:
    manifest = load(name)
    assert manifest["oauth_config"]["scopes"] == {"bot": LEAST_SCOPES}
    events = manifest["settings"]["event_subscriptions"]
    assert events["bot_events"] == HANDLED_EVENTS
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is False
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    # People answer questions by typing in the app's Messages tab: it must accept input.
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False


def test_http_points_every_request_at_one_path_and_socket_needs_none() -> None:
    http, socket = load("http"), load("socket")
    path = SlackSettings().path
    urls = [
        http["features"]["slash_commands"][0]["url"],
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith(path) for url in urls)
    assert http["settings"]["socket_mode_enabled"] is False
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in json.dumps(socket["features"]) + json.dumps(socket["settings"])
