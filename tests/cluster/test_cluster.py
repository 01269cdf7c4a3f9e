"""`make cluster`: two APIs behind HAProxy, two workers, Temporal, PostgreSQL, started by one
command; served through the proxy while one API process is killed; `down` leaves nothing."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.harness import ClusterRun, alive, cluster_env

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "cluster"
pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

ASSIGN = """mutation Assign($input: AssignTaskInput!) { assignTask(input: $input) {
  id state owner { username } } }"""
TASK = "query Task($id: ID!) { task(id: $id) { id state } }"
TASKS = "query Tasks { tasks(first: 100) { edges { node { id state deadline progress } } } }"
HISTORY = "query History($id: ID!) { taskHistory(id: $id) { action toState at } }"
ACCEPT = "mutation Accept($id: ID!) { acceptTask(id: $id) { id state } }"
PROGRESS = """mutation Progress($id: ID!) {
  reportProgress(id: $id, percent: 40, note: "Đã rà soát 4/10 văn bản") { id progress } }"""


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
        run.cli("down", check=False)
        # Every run leaves the processes' logs under test-artifacts/ (a failure's evidence).
        if (run.home / "logs").exists():
            shutil.copytree(run.home / "logs", ARTIFACTS / time.strftime("%Y%m%d-%H%M%S"),
                            dirs_exist_ok=True)
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
    for i in range(4):
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


def test_every_process_reports_to_operators(cluster: ClusterRun) -> None:
    """Through the proxy a request gets an id that the API's JSON log carries with the task's
    id; each API and each worker answers /metrics (ours and the Temporal SDK's) and
    /health/ready."""
    chairman = cluster.token("chutich")
    answer = httpx.post(f"{cluster.base}/graphql", timeout=60,
                        json={"query": ASSIGN, "variables": assignment("operators-1")},
                        headers={"Authorization": f"Bearer {chairman}"})
    request_id, task_id = answer.headers["x-request-id"], answer.json()["data"]["assignTask"]["id"]
    assert request_id  # set by HAProxy, echoed by the API
    lines = [json.loads(line) for name in ("api1", "api2")
             for line in (cluster.home / "logs" / f"{name}.log").read_text().splitlines()
             if line.startswith("{")]
    assert any(entry.get("request_id") == request_id and entry.get("task_id") == task_id
               for entry in lines), lines[-5:]
    specs = cluster.state()["specs"]
    for name in ("api1", "api2", "worker1", "worker2"):
        base = f"http://127.0.0.1:{specs[name]['port']}"
        assert httpx.get(f"{base}/health/ready", timeout=10).json() == {
            "database": "ok", "temporal": "ok"}
        page = httpx.get(f"{base}/metrics", timeout=10).text
        assert "temporal_request" in page, name  # the SDK's client metrics
        if name.startswith("worker"):
            assert "temporal_num_pollers" in page  # the SDK's worker metrics
    assert httpx.get(f"{cluster.base}/metrics", timeout=10).status_code == 403  # not outside
    pages = "".join(httpx.get(f"http://127.0.0.1:{specs[name]['port']}/metrics").text
                    for name in ("api1", "api2"))
    assert 'giaoviec_graphql_request_seconds_count{operation="Assign",type="mutation"}' in pages


def test_schedules_are_installed_once(cluster: ClusterRun) -> None:
    """By the one-shot `giaoviec schedules`, not by each API or worker process."""
    log = (cluster.home / "logs" / "schedules.log").read_text()
    assert log.count("Đã cài đặt lịch chạy định kỳ") == 1
    for name in ("api1", "api2", "worker1", "worker2"):
        assert "lịch" not in (cluster.home / "logs" / f"{name}.log").read_text()


async def timers(cluster: ClusterRun, task_ids: list[str]) -> dict[str, Any]:
    """Each task workflow's next timer, asked of Temporal itself."""
    from temporalio.client import Client

    from giaoviec.programs.temporal import DATA_CONVERTER

    client = await Client.connect(f"127.0.0.1:{cluster.env['TEMPORAL_DEV_PORT']}",
                                  data_converter=DATA_CONVERTER)
    found = {}
    for task_id in task_ids:
        handle = client.get_workflow_handle(f"task-{task_id}")
        found[task_id] = await handle.query("next_reminder_at")
    return found


def snapshot(cluster: ClusterRun, token: str) -> dict[str, Any]:
    edges = cluster.graphql(token, TASKS)["data"]["tasks"]["edges"]
    tasks = {edge["node"]["id"]: edge["node"] for edge in edges}
    history = {task_id: cluster.graphql(token, HISTORY, {"id": task_id})["data"]["taskHistory"]
               for task_id in tasks}
    return {"tasks": tasks, "history": history}


async def test_backup_and_restore_drill(cluster: ClusterRun, tmp_path: Path) -> None:
    """Back up a running cluster, change it, stop it, restore: every task, event and timer is
    as it was at the backup, and the restored tasks carry on. A running cluster refuses a
    restore."""
    chairman, owner = cluster.token("chutich"), cluster.token("snv.cb1")
    task = cluster.graphql(chairman, ASSIGN, assignment("drill-1"))["data"]["assignTask"]
    cluster.graphql(chairman, ASSIGN, assignment("drill-2"))
    cluster.graphql(owner, ACCEPT, {"id": task["id"]})
    cluster.graphql(owner, PROGRESS, {"id": task["id"]})
    before = snapshot(cluster, chairman)
    assert len(before["tasks"]) >= 2 and len(before["history"][task["id"]]) == 3
    timers_before = await timers(cluster, list(before["tasks"]))
    assert all(timers_before.values())  # every open task waits on a reminder timer

    cluster.cli("backup", str(tmp_path / "backup"))
    refused = cluster.cli("restore", str(tmp_path / "backup"), check=False)
    assert refused.returncode != 0 and "đang chạy" in refused.stderr  # never under a live one
    later = cluster.graphql(chairman, ASSIGN, assignment("drill-after"))["data"]["assignTask"]
    cluster.cli("down")
    cluster.cli("restore", str(tmp_path / "backup"))
    cluster.cli("up")

    after = snapshot(cluster, chairman)
    assert after == before
    assert later["id"] not in after["tasks"]  # made after the backup: not in it
    assert await timers(cluster, list(before["tasks"])) == timers_before
    # The restored workflows carry on: an action recorded now follows the restored trail.
    done = cluster.graphql(owner, PROGRESS, {"id": task["id"]})
    assert done["data"]["reportProgress"]["progress"] == 40
    trail = cluster.graphql(chairman, HISTORY, {"id": task["id"]})["data"]["taskHistory"]
    assert trail[:3] == before["history"][task["id"]] and len(trail) == 4


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
