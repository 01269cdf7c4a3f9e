"""Python function calls per request, the API's own work counted rather than timed.

On a machine whose speed wanders (the same loop's time varies by half from one minute to the
next here), a change to the API's Python shows in what it calls, not reliably in its
milliseconds: the calls a query makes, on the event loop and in the threads that read the
database, are the same from run to run. Counted with a profile function (`sys.setprofile`,
`threading.setprofile`) set before the first request, so the threads that read inherit it;
calls into C functions are not counted. Of them, those in graphql-core and Strawberry (the
GraphQL execution itself, whatever the query reads) are counted apart.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from sqlalchemy.engine import Engine

from bench.million import DAY, DRILL_DOWN, HOME, TASK_LIST, Reader, sample_units

ROUNDS = 5


def queries(unit_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    now = datetime.now(UTC)
    window = {"from": (now - 30 * DAY).isoformat(), "to": (now + 30 * DAY).isoformat()}
    return [("task list, first page", TASK_LIST, {"u": unit_id, **window}),
            ("drill-down (unit page)", DRILL_DOWN, {"u": unit_id}),
            *((f"home: {name}", query, {"u": unit_id} if "$u" in query else {})
              for name, query in HOME)]


GRAPHQL = ("/graphql/", "/strawberry/")


def count_calls(engine: Engine) -> list[tuple[str, str, int, int]]:
    """(level, query, Python calls per request, those in graphql-core and Strawberry) for the
    largest province and a commune."""
    counted = [0, 0]

    def count(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            counted[0] += 1
            if any(part in frame.f_code.co_filename for part in GRAPHQL):
                counted[1] += 1

    async def measure() -> list[tuple[str, str, int, int]]:
        reader = Reader(engine)
        found: list[tuple[str, str, int, int]] = []
        for level, units in sample_units(engine, 1).items():
            unit_id, head = units[0]
            for name, query, variables in queries(unit_id):
                await reader.ask(head, query, variables)  # warm: caches, connections
                counted[:] = [0, 0]
                for _ in range(ROUNDS):
                    await reader.ask(head, query, variables)
                found.append((level, name, counted[0] // ROUNDS, counted[1] // ROUNDS))
        await reader.close()
        return found

    sys.setprofile(count)
    threading.setprofile(count)
    try:
        return asyncio.run(measure())
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def report_calls(engine: Engine) -> None:
    print("\nPython function calls per request (event loop and reading threads; C calls not "
          f"counted; mean of {ROUNDS}):")
    for level, name, calls, graphql in count_calls(engine):
        print(f"  {level}: {name:<40} {calls:>9,}  ({graphql:,} in graphql-core and "
              f"Strawberry, {100 * graphql / max(calls, 1):.0f} %)")
