"""`make cluster`: two APIs behind HAProxy, two workers, Temporal, PostgreSQL, started by one
command; served through the proxy while one API process is killed; `down` leaves nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.harness import ClusterRun, alive, cluster_env

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

ASSIGN = """mutation Assign($input: AssignTaskInput!) { assignTask(input: $input) {
  id state owner { username } } }"""
TASK = "query Task($id: ID!) { task(id: $id) { id state } }"


def assignment(key: str) -> dict[str, Any]:
    return {"input": {
        "clientKey": key, "title": "Rà soát quy chế làm việc",
        "description": "Rà soát, đề xuất sửa đổi quy chế làm việc của UBND tỉnh",
        "leadUnitId": "ag-snv", "ownerId": "snv.cb1", "basis": "Kế hoạch số 208/KH-UBND",
        "workingDays": 10,
        "product": {"kind": "báo cáo", "description": "Báo cáo rà soát", "measure": "Trình"},
    }}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterRun]:
    tmp: Path = tmp_path_factory.mktemp("cluster")
    env = cluster_env(tmp)
    run = ClusterRun(env, Path(env["GIAOVIEC_DATA_DIR"]) / "cluster")
    try:
        run.cli("up")
        yield run
    finally:
        run.cli("down", "--wipe", check=False)


def test_up_serves_through_the_proxy_and_survives_a_killed_api(cluster: ClusterRun) -> None:
    assert cluster.cli("status").returncode == 0
    pids = cluster.pids()
    assert set(pids) == {"temporal", "api1", "api2", "worker1", "worker2", "proxy"}
    chairman = cluster.token("chutich")
    task = cluster.graphql(chairman, ASSIGN, assignment("cluster-1"))["data"]["assignTask"]
    assert task["state"] == "ASSIGNED" and task["owner"]["username"] == "snv.cb1"

    cluster.cli("stop", "api1", "--kill")
    assert not alive(pids["api1"])
    # Every request through the proxy is still answered, by api2 alone.
    for i in range(6):
        seen = cluster.graphql(chairman, TASK, {"id": task["id"]})
        assert seen["data"]["task"]["state"] == "ASSIGNED", seen
        more = cluster.graphql(chairman, ASSIGN, assignment(f"cluster-after-{i}"))
        assert more["data"]["assignTask"]["state"] == "ASSIGNED", more
    assert cluster.cli("status", check=False).returncode == 3  # one is down, and it says so

    cluster.cli("start", "api1")
    assert cluster.cli("status").returncode == 0
    # Both API processes answer again, each on its own port, and agree on the task.
    for name in ("api1", "api2"):
        port = cluster.state()["specs"][name]["port"]
        seen = cluster.graphql(chairman, TASK, {"id": task["id"]},
                               base=f"http://127.0.0.1:{port}")
        assert seen["data"]["task"]["state"] == "ASSIGNED"


def test_schedules_are_installed_once(cluster: ClusterRun) -> None:
    """By the one-shot `giaoviec schedules`, not by each API or worker process."""
    log = (cluster.home / "logs" / "schedules.log").read_text()
    assert log.count("Đã cài đặt lịch chạy định kỳ") == 1
    for name in ("api1", "api2", "worker1", "worker2"):
        assert "lịch" not in (cluster.home / "logs" / f"{name}.log").read_text()


def test_down_leaves_nothing_running(cluster: ClusterRun) -> None:
    pids = cluster.pids()
    assert len(pids) == 6
    cluster.cli("down")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in pids.values()):
        time.sleep(0.2)
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert not list(cluster.home.glob("*.pid"))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{cluster.base}/health/live", timeout=2)
