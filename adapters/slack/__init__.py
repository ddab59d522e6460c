"""The Slack adapter: ``/mentor <verb>``, Block Kit buttons, DMs from the app.

See adapter.py for the transport and where replies go, render.py for the Block Kit mapping
and its escaping rules, translate.py for the payloads we act on, and the two app manifests
(manifest.http.json, manifest.socket.json) for the scopes and why each is needed.
"""

from adapters.slack.adapter import SlackMessenger, SlackSettings, SlackStartError

__all__ = ["SlackMessenger", "SlackSettings", "SlackStartError"]
