"""The REAL, unmodified discord.py 2.x against tests/fakes/discord_api.FakeDiscord."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands

from tests.fakes.discord_api import (
    DEFAULT_APPLICATION_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_TOKEN,
    FakeDiscord,
    component_interaction,
    message_create,
    modal_submit_interaction,
    option,
    slash_command_interaction,
    subcommand,
)

pytestmark = pytest.mark.timeout(10)

GUILD_ID = 111111111111111111
USER_ID = 222222222222222222
OTHER_USER_ID = 333333333333333333
MESSAGE_CONTENT = 1 << 15
MESSAGES_ROUTE = r"^/channels/\d+/messages$"


@pytest.fixture
async def dc(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[GUILD_ID]) as fake:
        fake.patch_discord(monkeypatch)
        yield fake


def make_client() -> discord.Client:
    intents = discord.Intents.default()
    intents.message_content = False
    return discord.Client(intents=intents, guild_ready_timeout=0.1)


@contextlib.asynccontextmanager
async def running(client: discord.Client, dc: FakeDiscord) -> AsyncIterator[discord.Client]:
    await client.login(dc.token)
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)


async def test_json_content_type_is_exact(dc: FakeDiscord) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{dc.api_base}/users/@me", headers={"Authorization": f"Bot {dc.token}"}
        ) as resp,
    ):
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.headers["X-RateLimit-Remaining"].isdigit()
    async with aiohttp.ClientSession() as session, session.get(f"{dc.api_base}/nope") as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "404: Not Found", "code": 0}


async def test_a_429_names_its_scope_and_bucket_as_discord_documents(dc: FakeDiscord) -> None:
    import aiohttp

    auth = {"Authorization": f"Bot {dc.token}"}
    url = f"{dc.api_base}/users/@me"
    dc.fail_next("GET", "^/users/@me$", status=429, retry_after=2.5, scope="shared")
    dc.fail_next("GET", "^/users/@me$", status=429, retry_after=40, is_global=True)
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=auth) as resp:
            shared = resp.status, dict(resp.headers), await resp.json()
        async with session.get(url, headers=auth) as resp:
            global_ = resp.status, dict(resp.headers), await resp.json()
        async with session.get(url, headers=auth) as resp:
            bucket = resp.headers["X-RateLimit-Bucket"]
    status, headers, body = shared
    assert status == 429 and body["retry_after"] == 2.5 and body["global"] is False
    assert headers["X-RateLimit-Scope"] == "shared" and headers["Retry-After"] == "3"
    assert headers["X-RateLimit-Bucket"] == bucket and headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Global" not in headers
    status, headers, body = global_
    assert status == 429 and body == {
        "message": "You are being rate limited.",
        "retry_after": 40,
        "global": True,
    }
    assert headers["X-RateLimit-Scope"] == "global" and headers["X-RateLimit-Global"] == "true"
    assert "X-RateLimit-Bucket" not in headers  # a global limit is no route's
    with pytest.raises(ValueError, match="user, shared and global"):
        dc.fail_next("GET", "^/users/@me$", status=429, scope="route")


async def test_login_ready_and_intents(dc: FakeDiscord) -> None:
    client = make_client()
    fired = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        fired.set()

    async with running(client, dc):
        await asyncio.wait_for(fired.wait(), 5)
        assert client.user is not None
        assert client.user.id == DEFAULT_BOT_USER_ID
        assert client.application_id == DEFAULT_APPLICATION_ID
        guild = client.get_guild(GUILD_ID)
        assert guild is not None
        assert guild.get_channel(dc.channel_for_guild(GUILD_ID)) is not None
        assert dc.identifies == 1
        assert dc.last_intents is not None
        assert dc.last_intents & MESSAGE_CONTENT == 0
        assert dc.last_intents == make_client().intents.value
        assert dc.heartbeats >= 1
        assert dc.gateway_connects[0]["compress"] == "zlib-stream"
    assert {c.path for c in dc.calls} >= {"/users/@me", "/oauth2/applications/@me"}


async def test_bad_token_is_login_failure(dc: FakeDiscord) -> None:
    client = make_client()
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong")
    await client.close()


async def test_privileged_intent_refused(dc: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.all(), guild_ready_timeout=0.1)
    await client.login(dc.token)
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.connect(), 5)
    finally:
        await client.close()


async def test_an_unknown_intent_bit_is_closed_with_4013(dc: FakeDiscord) -> None:
    intents = discord.Intents.none()
    intents.value = 1 << 30  # no such intent
    client = discord.Client(intents=intents, guild_ready_timeout=0.1)
    await client.login(dc.token)
    try:
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.connect(), 5)
        assert closed.value.code == 4013
    finally:
        await client.close()


@pytest.mark.parametrize("code", [4004, 4013, 4014])
async def test_a_live_session_ends_with_a_fatal_close_and_is_not_resumed(
    dc: FakeDiscord, code: int
) -> None:
    client = make_client()
    await client.login(dc.token)
    gateway = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        await dc.end_sessions(code)
        with pytest.raises((discord.ConnectionClosed, discord.PrivilegedIntentsRequired)) as ended:
            await asyncio.wait_for(gateway, 5)
        if isinstance(ended.value, discord.ConnectionClosed):
            assert ended.value.code == code
        else:
            assert code == 4014
        assert dc.resumes == 0 and dc.identifies == 1
    finally:
        await client.close()


async def test_a_reset_token_is_refused_from_then_on(dc: FakeDiscord) -> None:
    client = make_client()
    async with running(client, dc):
        await dc.reset_token("new-token")
        await dc.wait_for(lambda: dc.connected_sessions == 0)
    with pytest.raises(discord.LoginFailure):
        await make_client().login(DEFAULT_TOKEN)


def mentor_tree(client: discord.Client, seen: list[str]) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="mentor", description="Mentoring")

    @group.command(name="book", description="Book a session")
    @app_commands.describe(topic="What about")
    async def book(interaction: discord.Interaction, topic: str) -> None:
        seen.append(topic)
        await interaction.response.send_message(f"booked {topic}", ephemeral=True)

    @group.command(name="slow", description="Takes a while")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("done", ephemeral=True)
        seen.append("slow")

    tree.add_command(group, guild=discord.Object(GUILD_ID))
    tree.add_command(group)  # also global (DM use)
    return tree


async def test_slash_command_sync_and_responses(dc: FakeDiscord) -> None:
    client = make_client()
    seen: list[str] = []
    tree = mentor_tree(client, seen)
    async with running(client, dc):
        synced = await tree.sync(guild=discord.Object(GUILD_ID))
        assert [c.name for c in synced] == ["mentor"]
        put = dc.calls_to("PUT", rf"/applications/{DEFAULT_APPLICATION_ID}/guilds/{GUILD_ID}/")
        assert len(put) == 1
        registered = dc.registered_commands(GUILD_ID)
        assert registered[0]["name"] == "mentor"
        assert registered[0]["guild_id"] == str(GUILD_ID)
        assert [o["name"] for o in registered[0]["options"]] == ["book", "slow"]
        assert registered[0]["options"][0]["type"] == 1
        assert registered[0]["options"][0]["options"][0]["name"] == "topic"
        assert synced[0].id == dc.command_id("mentor", GUILD_ID)

        channel_id = dc.channel_for_guild(GUILD_ID)
        payload = slash_command_interaction(
            interaction_id=1001,
            user_id=USER_ID,
            guild_id=GUILD_ID,
            channel_id=channel_id,
            options=[subcommand("book", option("topic", "python"))],
            command_id=dc.command_id("mentor", GUILD_ID),
            command_guild_id=GUILD_ID,
            token="tok-1001",
        )
        await dc.dispatch("INTERACTION_CREATE", payload)
        await dc.wait_for(lambda: dc.interaction_responses())
        (resp,) = dc.interaction_responses()
        assert (resp.interaction_id, resp.token, resp.type) == ("1001", "tok-1001", 4)
        assert resp.data is not None
        assert resp.data["content"] == "booked python"
        assert resp.data["flags"] == 64
        call = dc.calls_to("POST", r"^/interactions/1001/tok-1001/callback$")[0]
        assert "Authorization" not in call.headers
        assert call.query.get("with_response") == "1"
        assert seen == ["python"]
        original = dc.original_response("tok-1001")
        assert original is not None
        assert original["content"] == "booked python"

        # deferred (type 5) + follow-up
        await dc.dispatch(
            "INTERACTION_CREATE",
            slash_command_interaction(
                interaction_id=1002,
                user_id=USER_ID,
                guild_id=GUILD_ID,
                channel_id=channel_id,
                options=[subcommand("slow")],
                command_guild_id=GUILD_ID,
                token="tok-1002",
            ),
        )
        await dc.wait_for(lambda: "slow" in seen)
        assert [r.type for r in dc.interaction_responses()] == [4, 5]
        assert dc.interaction_responses()[1].data == {"flags": 64}
        followups = dc.followups("tok-1002")
        assert [m["content"] for m in followups] == ["done"]
        webhook_call = dc.calls_to("POST", rf"^/webhooks/{DEFAULT_APPLICATION_ID}/tok-1002$")[0]
        assert webhook_call.json["content"] == "done"


async def test_slash_command_in_dm_and_double_ack(dc: FakeDiscord) -> None:
    client = make_client()
    seen: list[str] = []
    tree = mentor_tree(client, seen)
    errors: list[BaseException] = []

    @tree.error
    async def on_error(interaction: discord.Interaction, error: Exception) -> None:
        errors.append(error)

    async with running(client, dc):
        await tree.sync()
        assert dc.registered_commands()[0]["name"] == "mentor"
        payload = slash_command_interaction(
            interaction_id=2001,
            user_id=USER_ID,
            channel_id=555,
            options=[subcommand("book", option("topic", "rust"))],
            token="tok-2001",
        )
        assert "user" in payload
        assert "member" not in payload
        await dc.dispatch("INTERACTION_CREATE", payload)
        await dc.wait_for(lambda: seen)
        assert seen == ["rust"]
        # a second dispatch of the same interaction: callback answers 40060
        await dc.dispatch("INTERACTION_CREATE", payload)
        await dc.wait_for(lambda: errors)
        assert isinstance(errors[0], app_commands.CommandInvokeError)
        assert isinstance(errors[0].original, discord.HTTPException)
        assert errors[0].original.code == 40060


class MentorView(discord.ui.View):
    def __init__(self, pressed: list[int]) -> None:
        super().__init__(timeout=None)
        self.pressed = pressed

    @discord.ui.button(label="Accept", custom_id="mentor:accept", style=discord.ButtonStyle.green)
    async def accept(
        self, interaction: discord.Interaction, button: discord.ui.Button[MentorView]
    ) -> None:
        self.pressed.append(interaction.user.id)
        await interaction.response.send_message("accepted", ephemeral=True)


DYNAMIC_HITS: list[int] = []


class AcceptMatch(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"match:accept:(?P<match_id>[0-9]+)",
):
    def __init__(self, match_id: int) -> None:
        super().__init__(discord.ui.Button(label="Accept", custom_id=f"match:accept:{match_id}"))
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> AcceptMatch:
        return cls(int(match["match_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        DYNAMIC_HITS.append(self.match_id)
        await interaction.response.edit_message(content=f"match {self.match_id} accepted")


async def test_persistent_view_and_dynamic_item(dc: FakeDiscord) -> None:
    client = make_client()
    pressed: list[int] = []
    DYNAMIC_HITS.clear()
    async with running(client, dc):
        client.add_view(MentorView(pressed))
        client.add_dynamic_items(AcceptMatch)
        channel = client.get_channel(dc.channel_for_guild(GUILD_ID))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Want a mentor?", view=MentorView(pressed))
        stored = dc.messages_sent(channel.id)[0]
        assert stored["components"][0]["components"][0]["custom_id"] == "mentor:accept"
        assert int(stored["id"]) == sent.id

        await dc.dispatch(
            "INTERACTION_CREATE",
            component_interaction(
                interaction_id=3001,
                custom_id="mentor:accept",
                user_id=USER_ID,
                message=stored,
                channel_id=channel.id,
                guild_id=GUILD_ID,
            ),
        )
        await dc.wait_for(lambda: pressed)
        assert pressed == [USER_ID]
        await dc.wait_for(lambda: dc.interaction_responses())
        assert dc.interaction_responses()[0].type == 4

        view = discord.ui.View(timeout=None)
        view.add_item(AcceptMatch(42))
        await channel.send("Match #42", view=view)
        match_msg = dc.messages_sent(channel.id)[1]
        await dc.dispatch(
            "INTERACTION_CREATE",
            component_interaction(
                interaction_id=3002,
                custom_id="match:accept:42",
                user_id=USER_ID,
                message=match_msg,
                channel_id=channel.id,
                guild_id=GUILD_ID,
            ),
        )
        await dc.wait_for(lambda: len(dc.interaction_responses()) == 2)
        assert DYNAMIC_HITS == [42]
        assert dc.interaction_responses()[1].type == 7
        assert dc.messages_sent(channel.id)[1]["content"] == "match 42 accepted"


class GoalModal(discord.ui.Modal, title="Your goal"):
    goal: discord.ui.TextInput[GoalModal] = discord.ui.TextInput(label="Goal", custom_id="goal")

    def __init__(self, got: list[str]) -> None:
        super().__init__(timeout=None, custom_id="goal-modal")
        self.got = got

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.got.append(self.goal.value)
        await interaction.response.send_message("saved", ephemeral=True)


async def test_modal_submit(dc: FakeDiscord) -> None:
    client = make_client()
    got: list[str] = []
    async with running(client, dc):
        client._connection.store_view(GoalModal(got))
        await dc.dispatch(
            "INTERACTION_CREATE",
            modal_submit_interaction(
                interaction_id=3501,
                custom_id="goal-modal",
                user_id=USER_ID,
                fields={"goal": "learn asyncio"},
                channel_id=555,
            ),
        )
        await dc.wait_for(lambda: got)
        assert got == ["learn asyncio"]


async def test_dm_send_and_closed_dms(dc: FakeDiscord) -> None:
    client = make_client()
    dc.add_user(USER_ID, "alice")
    async with running(client, dc):
        user = await client.fetch_user(USER_ID)
        assert user.name == "alice"
        dm = await user.create_dm()
        assert dm.id == dc.dm_channel_id(USER_ID)
        msg = await dm.send("hello alice")
        assert msg.content == "hello alice"
        assert [m["content"] for m in dc.messages_sent(dm.id)] == ["hello alice"]
        open_call = dc.calls_to("POST", r"^/users/@me/channels$")[0]
        assert open_call.json == {"recipient_id": USER_ID}

        await dm.send("notes", file=discord.File(io.BytesIO(b"abc"), "notes.txt"))
        multipart = dc.calls_to("POST", MESSAGES_ROUTE)[-1]
        assert multipart.json["content"] == "notes"
        assert multipart.files == ("notes.txt",)

        # discord.py caches the DM channel: no second POST /users/@me/channels
        dm_again = await (await client.fetch_user(USER_ID)).create_dm()
        assert dm_again.id == dm.id

        dc.close_dms(OTHER_USER_ID)
        other = await client.fetch_user(OTHER_USER_ID)
        other_dm = await other.create_dm()
        with pytest.raises(discord.Forbidden) as excinfo:
            await other_dm.send("hi")
        assert excinfo.value.code == 50007
        assert dc.dm_opens == 2


async def test_enforce_nonce_returns_the_first_message_for_a_few_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    async with FakeDiscord(guilds=[GUILD_ID], monotonic=lambda: now[0]) as dc:
        dc.patch_discord(monkeypatch)
        dc.add_user(USER_ID, "alice")
        client = make_client()
        async with running(client, dc):
            dm = await (await client.fetch_user(USER_ID)).create_dm()
            first = await dm.send("hello", nonce="k1")  # discord.py adds enforce_nonce
            assert dc.calls_to("POST", MESSAGES_ROUTE)[-1].json["enforce_nonce"] is True
            again = await dm.send("hello again", nonce="k1")
            assert again.id == first.id and again.content == "hello"
            other = await dm.send("other", nonce="k2")
            assert other.id != first.id
            now[0] = dc.nonce_window + 1  # remembered only for a few minutes
            later = await dm.send("hello", nonce="k1")
            assert later.id != first.id
            assert [m["content"] for m in dc.messages_sent(dm.id)] == ["hello", "other", "hello"]
            with pytest.raises(discord.HTTPException) as excinfo:
                await dm.send("x", nonce="n" * 26)
            assert excinfo.value.code == 50035


async def test_scripted_429_is_retried_by_discord_py(dc: FakeDiscord) -> None:
    client = make_client()
    async with running(client, dc):
        channel = client.get_channel(dc.channel_for_guild(GUILD_ID))
        assert isinstance(channel, discord.TextChannel)
        dc.fail_next("POST", MESSAGES_ROUTE, status=429, retry_after=0.2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await channel.send("paced")
        assert loop.time() - started >= 0.2
        assert dc.rejected_429 == 1
        assert [c.status for c in dc.calls_to("POST", MESSAGES_ROUTE)] == [429, 200]
        assert [m["content"] for m in dc.messages_sent()] == ["paced"]
        rejected = dc.calls_to("POST", MESSAGES_ROUTE)[0]
        assert rejected.json["content"] == "paced"


async def test_per_channel_and_global_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(guilds=[GUILD_ID], per_channel_rate=3, global_rate=20) as dc:
        dc.patch_discord(monkeypatch)
        client = make_client()
        async with running(client, dc):
            channel = client.get_channel(dc.channel_for_guild(GUILD_ID))
            assert isinstance(channel, discord.TextChannel)
            await asyncio.gather(*(channel.send(f"m{i}") for i in range(7)))
            assert sorted(m["content"] for m in dc.messages_sent()) == [f"m{i}" for i in range(7)]
            ok = [c for c in dc.calls_to("POST", MESSAGES_ROUTE) if c.status == 200]
            assert len(ok) == 7
            # never more than 3 successful sends in any rolling second
            for i in range(len(ok) - 3):
                assert ok[i + 3].at - ok[i].at >= 0.99


async def test_global_429_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(guilds=[GUILD_ID]) as dc:
        dc.patch_discord(monkeypatch)
        client = make_client()
        async with running(client, dc):
            channel = client.get_channel(dc.channel_for_guild(GUILD_ID))
            assert isinstance(channel, discord.TextChannel)
            dc.fail_next("POST", MESSAGES_ROUTE, status=429, retry_after=0.1, is_global=True)
            await channel.send("after global")
            assert dc.rejected_429 == 1
            assert dc.messages_sent()[0]["content"] == "after global"


async def test_reconnect_resumes_and_keeps_dispatching(dc: FakeDiscord) -> None:
    client = make_client()
    got: list[str] = []
    resumed = asyncio.Event()

    @client.event
    async def on_message(message: discord.Message) -> None:
        got.append(message.content)

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    async with running(client, dc):
        await dc.send_reconnect()
        await asyncio.wait_for(resumed.wait(), 5)
        assert dc.resumes == 1
        assert dc.identifies == 1
        channel_id = dc.channel_for_guild(GUILD_ID)
        seq = await dc.dispatch(
            "MESSAGE_CREATE",
            message_create(
                message_id=4001,
                channel_id=channel_id,
                author_id=USER_ID,
                content="after resume",
                guild_id=GUILD_ID,
            ),
        )
        assert seq > 1
        await dc.wait_for(lambda: got)
        assert got == ["after resume"]

        # events dispatched while the socket is down are replayed on RESUME
        resumed.clear()
        await dc.disconnect()
        await dc.dispatch(
            "MESSAGE_CREATE",
            message_create(
                message_id=4002,
                channel_id=channel_id,
                author_id=USER_ID,
                content="while away",
                guild_id=GUILD_ID,
            ),
        )
        await asyncio.wait_for(resumed.wait(), 5)
        await dc.wait_for(lambda: len(got) == 2)
        assert got[1] == "while away"
        assert dc.resumes == 2


async def test_invalid_session_reidentifies(dc: FakeDiscord) -> None:
    client = make_client()

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every non-initial IDENTIFY (Client.before_identify_hook)
        return None

    client.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running(client, dc):
        await dc.invalidate_session(resumable=False)
        await dc.wait_for(lambda: dc.identifies == 2 and dc.connected_sessions == 1)
        await dc.wait_ready()
        assert dc.ready_count == 2


async def test_global_rate_limit_paces_whole_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(guilds=[GUILD_ID], global_rate=8) as dc:
        dc.patch_discord(monkeypatch)
        client = make_client()
        async with running(client, dc):
            users = [await client.fetch_user(USER_ID + i) for i in range(4)]
            dms = [await u.create_dm() for u in users]
            await asyncio.gather(*(dm.send(f"hi {i}") for i, dm in enumerate(dms)))
            assert sorted(m["content"] for m in dc.messages_sent()) == [f"hi {i}" for i in range(4)]
            assert dc.rejected_429 >= 1
            limited = [c for c in dc.calls if c.status == 429]
            assert limited
            ok = [c for c in dc.calls if c.status < 400]
            # `at` is stamped when a call completes, after the window admitted it: allow
            # for scheduling noise on a loaded machine while still proving ~8 per second.
            for i in range(len(ok) - 8):
                assert ok[i + 8].at - ok[i].at >= 0.9


async def test_waits_are_bounded_and_rtt() -> None:
    async with FakeDiscord(rtt=0.05) as dc:
        with dc.patched_discord():
            assert dc.api_base == discord.http.Route.BASE
            client = make_client()
            loop = asyncio.get_running_loop()
            started = loop.time()
            await client.login(dc.token)
            assert loop.time() - started >= 0.1  # two REST round trips
            calls = await dc.wait_for_calls("GET", r"^/users/@me$", 1, timeout=1)
            assert calls[0].headers["Authorization"] == f"Bot {dc.token}"
            with pytest.raises(TimeoutError, match="GET /users/@me -> 200"):
                await dc.wait_for_calls("POST", r"^/never$", 1, timeout=0.05)
            await client.close()
        assert discord.http.Route.BASE == "https://discord.com/api/v10"


async def test_embeds_over_6000_characters_in_all_are_refused_as_discord_does(
    dc: FakeDiscord,
) -> None:
    """Channel Resources, "Embed Limits": title, description, field names and values,
    footer text and author name of all a message's embeds, 6,000 characters together."""
    channel_id = dc.channel_for_guild(GUILD_ID)
    async with running(make_client(), dc) as client:
        channel = client.get_partial_messageable(channel_id)
        too_big = [
            discord.Embed(title="t" * 10, description="x" * 4000),
            discord.Embed(description="y" * 1900).set_footer(text="f" * 91),
        ]
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(embeds=too_big)
        assert (refused.value.status, refused.value.code) == (400, 50035)
        assert "Embed size exceeds maximum size of 6000" in refused.value.text
        # what discord.py shows for the body Discord sends (as seen from the real API)
        assert refused.value.text == (
            "Invalid Form Body\nIn embeds: Embed size exceeds maximum size of 6000"
        )

        with pytest.raises(discord.HTTPException, match="4096 or fewer"):
            await channel.send(embed=discord.Embed(description="x" * 4097))
        await channel.send(embeds=[too_big[0], discord.Embed(description="y" * 1990)])
    assert len(dc.messages_sent(channel_id)) == 1
