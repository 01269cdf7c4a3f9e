"""`make cluster PAIRS=N` / GIAOVIEC_CLUSTER_PAIRS: the cluster shape with N API+worker pairs
(one, to measure what a second adds), planned, recorded and stopped as that shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from giaoviec.config import Settings
from giaoviec.programs import cluster as cluster_program
from giaoviec.programs import dev_temporal
from giaoviec.programs.cluster_processes import (
    PAIRS,
    Cluster,
    order,
    parse_pairs,
    start_time,
)


@pytest.fixture
def binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_program, "find_binary", lambda name: f"/usr/bin/{name}")


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, port=18600, temporal_dev_port=17600)


def test_pairs_default_to_two_and_take_one_to_eight() -> None:
    assert parse_pairs(None) == parse_pairs("") == PAIRS == 2
    assert parse_pairs("1") == 1 and parse_pairs(" 8 ") == 8
    for wrong in ("0", "9", "-1", "hai", "1.5"):
        with pytest.raises(SystemExit, match="GIAOVIEC_CLUSTER_PAIRS"):
            parse_pairs(wrong)


def test_one_pair_plans_one_api_behind_the_proxy_and_one_worker(
        tmp_path: Path, binaries: None) -> None:
    specs = cluster_program.plan(settings(tmp_path), tmp_path, 1)
    assert list(specs) == ["temporal", "worker1", "api1", "proxy"]
    config = (tmp_path / "haproxy.cfg").read_text()
    assert config.count("    server api") == 1
    assert f"server api1 127.0.0.1:{specs['api1'].port} check" in config


def test_two_pairs_plan_the_province_shape(tmp_path: Path, binaries: None) -> None:
    specs = cluster_program.plan(settings(tmp_path), tmp_path, 2)
    assert set(specs) == {"temporal", "worker1", "worker2", "api1", "api2", "proxy"}
    assert (tmp_path / "haproxy.cfg").read_text().count("    server api") == 2
    assert cluster_program.stop_stages(2) == (
        ("proxy",), ("api1", "api2", "worker1", "worker2"), ("temporal",))


def test_the_cluster_knows_its_shape_from_its_state(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    assert cluster.processes() == order(2)  # a state from before the choice: two pairs
    cluster.save({"pairs": 1, "specs": {}})
    assert cluster.processes() == ("temporal", "worker1", "api1", "proxy")
    assert cluster_program.stop_stages(cluster.pairs()) == (
        ("proxy",), ("api1", "worker1"), ("temporal",))


def test_a_running_cluster_is_not_reshaped_nor_stopped_by_up(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    cluster.save({"pairs": 2, "specs": {}})
    # This test's own process stands for a running worker1.
    cluster.pid_file("worker1").write_text(
        json.dumps({"pid": os.getpid(), "started": start_time(os.getpid())}))
    with pytest.raises(SystemExit, match="2 cặp"):
        cluster_program.same_shape(cluster, 1)
    cluster_program.same_shape(cluster, 2)  # the same shape: `up` goes on (idempotent)
    assert cluster.pid("worker1") == os.getpid()


def test_the_dev_server_takes_more_options_from_the_environment(
        tmp_path: Path, binaries: None, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    assert argv[argv.index("--db-filename") + 1].endswith("temporal.db")
    monkeypatch.setenv("GIAOVIEC_CLUSTER_TEMPORAL_ARGS",
                       "--db-filename '' --sqlite-pragma journal_mode=wal")
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    # Appended: the last --db-filename (empty: in memory) is the one the server takes.
    assert argv[-4:] == ["--db-filename", "", "--sqlite-pragma", "journal_mode=wal"]


def test_the_dev_server_bounds_its_history_cache(
        tmp_path: Path, binaries: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Unbounded (the dev server's 8,096 entries), its memory grows for 20 minutes under load.
    monkeypatch.delenv("GIAOVIEC_CLUSTER_TEMPORAL_ARGS", raising=False)
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    values = [argv[i + 1] for i, part in enumerate(argv) if part == "--dynamic-config-value"]
    assert values == ["history.hostLevelCacheMaxSize=1024"]
    assert dev_temporal.TEMPORAL_DYNAMIC_CONFIG == {"history.hostLevelCacheMaxSize": 1024}
    # A benchmark may try another bound: its value comes later, and the server takes the last.
    monkeypatch.setenv("GIAOVIEC_CLUSTER_TEMPORAL_ARGS",
                       "--dynamic-config-value history.hostLevelCacheMaxSize=64")
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    values = [argv[i + 1] for i, part in enumerate(argv) if part == "--dynamic-config-value"]
    assert values == ["history.hostLevelCacheMaxSize=1024", "history.hostLevelCacheMaxSize=64"]


def test_the_dev_server_writes_its_file_ahead_of_a_log(
        tmp_path: Path, binaries: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # In SQLite's default journal the one shard's writes timed out under a burst of reminders.
    monkeypatch.delenv("GIAOVIEC_CLUSTER_TEMPORAL_ARGS", raising=False)
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    pragmas = [argv[i + 1] for i, part in enumerate(argv) if part == "--sqlite-pragma"]
    assert pragmas == ["journal_mode=wal", "synchronous=normal"]
    # A benchmark's own pragma comes after ours (the dev server accepts the repeat).
    monkeypatch.setenv("GIAOVIEC_CLUSTER_TEMPORAL_ARGS", "--sqlite-pragma synchronous=off")
    argv = cluster_program.plan(settings(tmp_path), tmp_path, 1)["temporal"].argv
    pragmas = [argv[i + 1] for i, part in enumerate(argv) if part == "--sqlite-pragma"]
    assert pragmas == ["journal_mode=wal", "synchronous=normal", "synchronous=off"]
