"""The load generator for `bench.assign_ceiling`: sends assignTask over HTTP from a process of
its own, as users' browsers and clients do, so that its CPU is not the system's. Prints one
JSON line: the rate, each request's latency and this process's CPU seconds.

    python -m bench.http_load URL TOKEN --n 300 --in-flight 32 --run RUNID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

import httpx

ASSIGN = """mutation($input: AssignTaskInput!) { assignTask(input: $input) { id state } }"""


def assign_body(run: str, i: int) -> dict[str, object]:
    return {"query": ASSIGN, "variables": {"input": {
        "clientKey": f"bench-{run}-{uuid.uuid4().hex}",
        "title": f"Nhiệm vụ thử tải số {i}",
        "description": "Tổng hợp, báo cáo kết quả thực hiện.",
        "leadUnitId": "ag-snv", "ownerId": "snv.cb1",
        "basis": "Kế hoạch số 208/KH-UBND", "workingDays": 10 + i % 20,
        "product": {"kind": "báo cáo", "description": "Báo cáo kết quả",
                    "measure": "Trình Chủ tịch"},
    }}}


async def load(url: str, token: str, n: int, in_flight: int, run: str) -> dict[str, object]:
    sem = asyncio.Semaphore(in_flight)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"},
                                 limits=httpx.Limits(max_connections=in_flight)) as http:
        async def one(i: int) -> None:
            async with sem:
                t0 = time.perf_counter()
                answer = (await http.post("/graphql", json=assign_body(run, i))).json()
                latencies.append(time.perf_counter() - t0)
                if "errors" in answer:
                    raise RuntimeError(answer["errors"])

        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - t0
    return {"rate": n / wall, "latencies": latencies, "cpu": time.process_time() - cpu0,
            "wall": wall}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--in-flight", type=int, required=True)
    parser.add_argument("--run", required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load(args.url, args.token, args.n, args.in_flight, args.run))))
