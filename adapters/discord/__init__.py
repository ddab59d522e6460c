"""The Discord adapter: ``/mentor`` slash commands in servers, buttons, modals and DMs.

``DiscordMessenger`` (adapter.py) runs discord.py inside mentorhub's loop; the pure parts
are ``commands`` (registry -> command JSON), ``translate`` (interaction -> hub call) and
``render`` (reply -> message JSON).
"""

from adapters.discord.adapter import DiscordMessenger, DiscordSettings, intents, invite_url

__all__ = ["DiscordMessenger", "DiscordSettings", "intents", "invite_url"]
