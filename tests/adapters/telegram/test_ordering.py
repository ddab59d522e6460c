"""Updates run concurrently across people but in order for each person; repeats are dropped."""

from __future__ import annotations

import asyncio

from telegram import Bot, Update

from adapters.telegram.adapter import InOrderPerChat
from tests.fakes.telegram_api import message_update

BOT = Bot("123:ABC")


def _update(user_id: int, update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, **message_update(user_id, "hi")}, BOT)


async def test_one_person_in_order_others_alongside() -> None:
    processor = InOrderPerChat(8)
    gate = asyncio.Event()
    log: list[str] = []

    async def work(name: str, wait: bool = False) -> None:
        log.append(f"{name} starts")
        if wait:
            await gate.wait()
        log.append(f"{name} ends")

    tasks = [
        asyncio.create_task(processor.process_update(_update(1, 1), work("ada-1", wait=True))),
        asyncio.create_task(processor.process_update(_update(1, 2), work("ada-2"))),
        asyncio.create_task(processor.process_update(_update(2, 3), work("bob-1"))),
    ]
    for _ in range(4):  # let all three run up to where they wait (no time passes)
        await asyncio.sleep(0)
    assert log == ["ada-1 starts", "bob-1 starts", "bob-1 ends"]  # ada-2 waits its turn
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 1.0)
    assert log[3:] == ["ada-1 ends", "ada-2 starts", "ada-2 ends"]
    assert len(processor._locks) == 0  # nothing kept once idle
