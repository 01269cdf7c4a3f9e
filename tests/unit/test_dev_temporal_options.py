"""`make run`'s own Temporal dev server carries the same history-cache bound as the cluster
shape and production (dev_temporal.TEMPORAL_DYNAMIC_CONFIG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from giaoviec.config import Settings
from giaoviec.programs import dev_temporal


class _Started:
    pid = 4242


def test_make_runs_dev_server_bounds_its_history_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []

    def popen(argv: list[str], **_: Any) -> _Started:
        started.append(argv)
        return _Started()

    monkeypatch.setattr(dev_temporal, "port_taken", lambda port, host="127.0.0.1": False)
    monkeypatch.setattr(dev_temporal.subprocess, "Popen", popen)
    settings = Settings(data_dir=tmp_path, temporal_dev_port=17650)
    dev_temporal.DevTemporal(settings, "/bin/temporal", lambda _: None).start()
    (argv,) = started
    values = [argv[i + 1] for i, part in enumerate(argv) if part == "--dynamic-config-value"]
    assert values == ["history.hostLevelCacheMaxSize=1024"]
    assert argv[1:3] == ["server", "start-dev"]  # still recognised as ours after a crash
