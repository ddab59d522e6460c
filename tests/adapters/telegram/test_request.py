"""AiohttpRequest: PTB's requests over aiohttp, with PTB's errors and wire format."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from adapters.telegram.request import AiohttpRequest
from tests.adapters.telegram.conftest import free_port


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        fields = {
            name: (value.filename, value.file.read()) if isinstance(value, web.FileField) else value
            for name, value in form.items()
        }
        seen.append({"type": request.content_type, "fields": fields})
        return web.json_response({"ok": True, "result": True})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def data(**parameters: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in parameters.items()])


async def test_parameters_go_as_a_form_and_files_as_multipart(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, seen = server
    request = AiohttpRequest(4)
    await request.initialize()
    try:
        status, body = await request.do_request(
            f"{url}/echo", "POST", data(chat_id=7, text="hé & <b>", reply_markup={"a": [1]})
        )
        assert (status, body) == (200, b'{"ok": true, "result": true}')
        upload = InputFile(b"a,b\n1,2\n", filename="export.csv")
        await request.do_request(f"{url}/echo", "POST", data(chat_id=7, document=upload))
    finally:
        await request.shutdown()
    form, multipart = seen
    assert form == {
        "type": "application/x-www-form-urlencoded",
        "fields": {"chat_id": "7", "text": "hé & <b>", "reply_markup": '{"a": [1]}'},
    }
    assert multipart["type"] == "multipart/form-data"
    assert multipart["fields"]["chat_id"] == "7"
    assert multipart["fields"][upload.attach_name or "document"][0] == "export.csv"
    assert b"a,b\n1,2\n" in {v[1] for v in multipart["fields"].values() if isinstance(v, tuple)}


async def test_a_slow_answer_is_timed_out_and_a_closed_port_a_network_error(
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, _ = server
    request = AiohttpRequest(4, read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/slow", "POST", data(chat_id=1))
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{free_port()}/x", "POST", None)
        assert not isinstance(refused.value, TimedOut)
    finally:
        await request.shutdown()


async def test_not_initialized_refuses() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")
