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
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from types import FrameType
from typing import Any, TypeVar

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
N = TypeVar("N", int, float)


Ask = Callable[[], Awaitable[object]]


def _each_query(engine: Engine, measure: Callable[[Ask], Awaitable[tuple[N, N]]],
                ) -> list[tuple[str, str, N, N]]:
    """(level, query, what `measure` makes of asking it) for the largest province and a
    commune, each query asked once first (caches, connections) as its unit's chairman."""
    async def run() -> list[tuple[str, str, N, N]]:
        reader = Reader(engine)
        found: list[tuple[str, str, N, N]] = []
        for level, units in sample_units(engine, 1).items():
            unit_id, head = units[0]
            for name, query, variables in queries(unit_id):
                ask = partial(reader.ask, head, query, variables)
                await ask()
                found.append((level, name, *await measure(ask)))
        await reader.close()
        return found

    return asyncio.run(run())


def count_calls(engine: Engine) -> list[tuple[str, str, int, int]]:
    """(level, query, Python calls per request, those in graphql-core and Strawberry) for the
    largest province and a commune."""
    counted = [0, 0]

    def count(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            counted[0] += 1
            if any(part in frame.f_code.co_filename for part in GRAPHQL):
                counted[1] += 1

    async def calls(ask: Ask) -> tuple[int, int]:
        counted[:] = [0, 0]
        for _ in range(ROUNDS):
            await ask()
        return counted[0] // ROUNDS, counted[1] // ROUNDS

    sys.setprofile(count)
    threading.setprofile(count)
    try:
        return _each_query(engine, calls)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def cpu_split(engine: Engine, rounds: int = 20) -> list[tuple[str, str, float, float]]:
    """(level, query, CPU ms per request on the event loop, CPU ms in the process's other
    threads — the reads — ), medians over `rounds`, unprofiled. Milliseconds of CPU wander
    with the machine's speed as wall time does, but not with what else waits."""
    async def split(ask: Ask) -> tuple[float, float]:
        loop_ms: list[float] = []
        rest_ms: list[float] = []
        for _ in range(rounds):
            thread, process = time.thread_time(), time.process_time()
            await ask()
            on_loop = time.thread_time() - thread
            loop_ms.append(on_loop * 1000)
            rest_ms.append((time.process_time() - process - on_loop) * 1000)
        return statistics.median(loop_ms), statistics.median(rest_ms)

    return _each_query(engine, split)


def report_calls(engine: Engine) -> None:
    print("\nPython function calls per request (event loop and reading threads; C calls not "
          f"counted; mean of {ROUNDS}):")
    for level, name, calls, graphql in count_calls(engine):
        print(f"  {level}: {name:<40} {calls:>9,}  ({graphql:,} in graphql-core and "
              f"Strawberry, {100 * graphql / max(calls, 1):.0f} %)")
    print("\nCPU ms per request (median of 20, unprofiled): on the event loop | in the reading "
          "threads")
    for level, name, on_loop, in_threads in cpu_split(engine):
        print(f"  {level}: {name:<40} {on_loop:7.1f} | {in_threads:5.1f}")
