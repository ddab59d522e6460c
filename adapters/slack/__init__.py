"""The Slack adapter: ``/mentor <verb>``, Block Kit buttons, DMs from the app.

See adapter.py for the transport and where replies go, render.py for the Block Kit mapping
and its escaping rules, translate.py for the payloads we act on, and the two app manifests
(manifest.http.json, manifest.socket.json) for the scopes and why each is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.slack.pacing_rules import SLACK

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackMessenger, SlackSettings, SlackStartError

__all__ = ["SLACK", "SlackMessenger", "SlackSettings", "SlackStartError"]


def __getattr__(name: str) -> Any:
    # The SDK is imported with the messenger, not with the pacing rules every process reads.
    if name in __all__:
        from adapters.slack import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
