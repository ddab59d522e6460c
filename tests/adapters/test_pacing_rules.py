"""Each adapter's pacing rules: the scopes its messages are paced in."""

from __future__ import annotations

from adapters.discord import DiscordConfig
from adapters.slack import SlackConfig
from bots.messengers import pacing_rules
from core.identity import Platform, PlatformAccount
from core.pacing import PlatformPacing


def test_default_scopes_per_platform() -> None:
    pacing = pacing_rules(
        {
            "slack": SlackConfig(workspace_messages_per_minute=120),
            "discord": DiscordConfig(new_dms_per_hour=30),
        }
    )

    def names(platform: Platform, workspace: str = "", *, opens: bool = False) -> list[str]:
        account = PlatformAccount(platform, workspace, "U1", person_id=1)
        return [s.name for s in pacing[platform].scopes(account, opens_conversation=opens)]

    assert names(Platform("telegram")) == ["telegram", "telegram:U1"]
    assert names(Platform("slack"), "T9") == ["slack:T9", "slack:T9:U1"]
    assert names(Platform("discord")) == ["discord", "discord:U1"]
    assert names(Platform("discord"), opens=True) == ["discord", "discord:U1", "discord:new-dm"]
    assert names(Platform("console")) == ["console"]
    slack = pacing[Platform("slack")].workspace_rate
    assert slack is not None and slack.per_second == 2
    assert (
        PlatformPacing(Platform("telegram"))
        .scopes(PlatformAccount(Platform("telegram"), "", "5", person_id=1))[0]
        .name
        == "telegram"
    )
