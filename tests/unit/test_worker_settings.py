"""The worker's construction pins what the fault runs measured (docs/benchmarks.md, "Faults
survived"): the sticky queue's timeout (a killed worker's workflows move on within 2 s, not
the SDK's 10 s) and a bounded workflow cache."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine

from giaoviec.config import Settings
from giaoviec.programs import worker as worker_module


def built_with(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def record(client: object, **kwargs: Any) -> object:
        seen.update(kwargs)
        return object()

    monkeypatch.setattr(worker_module, "Worker", record)
    worker_module.build_worker(object(), create_engine("sqlite://"), "q",  # type: ignore[arg-type]
                               settings=Settings())
    return seen


def test_a_dead_workers_sticky_queue_lets_go_within_two_seconds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = built_with(monkeypatch)
    assert kwargs["sticky_queue_schedule_to_start_timeout"] == timedelta(seconds=2)


def test_the_workflow_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs = built_with(monkeypatch)
    assert 0 < kwargs["max_cached_workflows"] <= worker_module.MAX_CACHED_WORKFLOWS
