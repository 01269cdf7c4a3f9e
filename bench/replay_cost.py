"""Benchmark: the worker's CPU to replay a task workflow's history, sandboxed and not.

A reminder for a task evicted from the worker's cache (most of them, in a burst) is replayed
from its history in a new sandbox before it runs; this measures that price per replay, with
the worker's own runner (giaoviec.programs.worker.RUNNER) and without the sandbox, over N
copies of a recorded history (tests/replay/histories).

    .venv/bin/python -m bench.replay_cost [--copies 200] [--history v7-task-change-deadline]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner

from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import RUNNER, WORKFLOWS

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "replay" / "histories"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def replay_all(text: str, copies: int, runner: WorkflowRunner) -> tuple[float, float]:
    """CPU and wall ms per replay of `copies` copies of one history."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER,
                        workflow_runner=runner)
    histories = [WorkflowHistory.from_json(f"wf-{i}", text) for i in range(copies)]

    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    cpu, wall = cpu_seconds(), time.perf_counter()
    async with replayer.workflow_replay_iterator(each()) as results:
        async for result in results:
            if result.replay_failure:
                raise result.replay_failure
    return ((cpu_seconds() - cpu) / copies * 1000, (time.perf_counter() - wall) / copies * 1000)


async def main(copies: int, name: str) -> None:
    text = (HISTORIES / f"{name}.json").read_text(encoding="utf-8")
    events = len(WorkflowHistory.from_json("count", text).events)
    print(f"{copies} replays of {name} ({events} events), ms per replay: CPU / wall")
    for label, runner in (("sandboxed (the worker's)", RUNNER),
                          ("unsandboxed", UnsandboxedWorkflowRunner()),
                          ("sandboxed again", RUNNER)):
        cpu, wall = await replay_all(text, copies, runner)
        print(f"  {label:<26} {cpu:6.1f} / {wall:6.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--history", default="v7-task-change-deadline")
    args = parser.parse_args()
    asyncio.run(main(args.copies, args.history))
