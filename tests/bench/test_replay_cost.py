"""bench.replay_cost replays a recorded history with the worker's runner and without the
sandbox, and gives its cost per replay."""

from __future__ import annotations

import asyncio

from bench.replay_cost import HISTORIES, replay_all
from giaoviec.programs.worker import RUNNER


def test_a_recorded_history_replays_and_is_timed() -> None:
    text = (HISTORIES / "v7-task-change-deadline.json").read_text(encoding="utf-8")
    cpu, wall = asyncio.run(replay_all(text, 2, RUNNER))
    assert cpu > 0 and wall > 0
