"""Events across processes (domain/event_relay.py): two buses on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from domain import events
from domain.event_relay import EventRelay, decode, encode
from domain.events import Event, EventBus
from store.database import Database
from tests.databases import database_url_for, postgresql_only
from tests.helpers import eventually


def test_an_event_survives_the_trip_and_its_own_echo_is_dropped() -> None:
    event = Event(events.MATCH_READY, (3, 4), {"match_id": 7, "room_id": "!r:hs"})
    assert decode(encode(event, "a")) == ("a", event)
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    relay = EventRelay(bus, "")
    relay._received(encode(event, relay.origin))
    assert seen == []
    relay._received(encode(event, "another process"))
    assert seen == [event]


@postgresql_only("LISTEN/NOTIFY is PostgreSQL's")
async def test_each_process_gets_the_others_events_once_and_never_its_own_twice(tmp_path: Path) -> None:
    url = database_url_for(tmp_path)
    db = Database(tmp_path / "kindred.db", url)
    await db.open()
    buses = [EventBus(), EventBus()]
    seen: list[list[Event]] = [[], []]
    relays = [EventRelay(bus, url) for bus in buses]
    tasks = []
    for bus, relay, received in zip(buses, relays, seen, strict=True):
        bus.subscribe(received.append)
        relay.attach()
        tasks.append(asyncio.create_task(relay.run()))
    try:
        for relay in relays:
            await relay.channel.listening.wait()
        accepted = Event(events.JOB_QUEUED, (), {"match_id": 1})
        ready = Event(events.MATCH_READY, (1, 2), {"match_id": 1, "room_id": "!room:hs"})
        counted = Event(events.BOT_COMMAND, (1,), {"command": "help"})
        buses[0].publish(accepted)
        buses[0].publish(counted)
        buses[1].publish(ready)
        await eventually(lambda: asyncio.sleep(0, len(seen[0]) == 3 and len(seen[1]) == 2))
        # A marker sent last by each: once it is back, everything before it has arrived too.
        marker = Event(events.MAIL_QUEUED)
        for bus in buses:
            bus.publish(marker)
        await eventually(lambda: asyncio.sleep(0, all(s.count(marker) == 2 for s in seen)))
        assert seen[0] == [accepted, counted, ready, marker, marker]
        # The bot's commands are counted where they happen, not relayed.
        assert sorted(seen[1][:2], key=lambda e: e.type) == [accepted, ready] and counted not in seen[1]
        assert len(seen[1]) == 4
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()
