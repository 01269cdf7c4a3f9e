"""The API process settles its heap once its app is built (giaoviec/programs/heap.py): run in a
process of its own, since freezing the test session's heap would outlive the test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from giaoviec.programs import heap


def test_settle_heap_freezes_start_up_and_collects_less_often() -> None:
    code = ("import gc; from giaoviec.programs.heap import settle_heap; "
            "assert gc.get_freeze_count() == 0; settle_heap(); "
            "print(gc.get_freeze_count(), *gc.get_threshold())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    frozen, first, second, third = map(int, done.stdout.split())
    assert frozen > 1000  # the imports' objects, out of every full collection
    assert (first, second, third) == (heap.FIRST_GENERATION_THRESHOLD,
                                      heap.OLDER_GENERATIONS_THRESHOLD,
                                      heap.OLDER_GENERATIONS_THRESHOLD)


def test_the_api_server_settles_its_heap_once_its_app_is_built(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `giaoviec api` and `giaoviec dev` build their server through api_server.
    import api.app
    from giaoviec.config import Settings
    from giaoviec.programs import cli

    calls: list[str] = []

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not served here")

    def create_app(*args: object, **kwargs: object) -> object:
        calls.append("create_app")
        return app

    monkeypatch.setattr(api.app, "create_app", create_app)
    monkeypatch.setattr(cli, "settle_heap", lambda: calls.append("settle_heap"))
    cli.api_server(Settings(), None, None)  # type: ignore[arg-type]
    assert calls == ["create_app", "settle_heap"]
