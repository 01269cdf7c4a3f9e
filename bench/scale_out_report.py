"""The summary of `bench.scale_out`'s JSON: for each number of pairs, each phase's figures
averaged over its rounds, the CPU per operation by role (every API together, every worker
together), and what one act (acceptTask, reportProgress, submitOutput, approveTask) costs,
derived from the mixed load by taking out its assignments and reads at the cost each has
alone (`bench.cpu_accounting.rest_per_op`). Markdown, for docs/benchmarks.md.

    .venv/bin/python -m bench.scale_out_report data/scale_out/scale_out-<time>.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import mean
from typing import Any

from bench.cpu_accounting import by_role, rest_per_op

ROLES = ("api", "worker", "temporal", "postgres", "proxy")
ACTS = ("acceptTask", "reportProgress", "submitOutput", "approveTask")


def act_cost(mixed: Mapping[str, Any], assign: Mapping[str, Any],
             read: Mapping[str, Any]) -> dict[str, float]:
    """CPU ms per act, by role, from one round's three phases."""
    counts = {op: int(o["n"]) for op, o in mixed["by_op"].items()}
    acts = sum(counts.get(op, 0) for op in ACTS)
    assigns = counts.get("assignTask", 0)
    reads = sum(counts.values()) - acts - assigns
    total, alone, reading = (by_role(p["cpu_s"]) for p in (mixed, assign, read))
    per_assign = {role: 1000 * s / assign["ops"] for role, s in alone.items()}
    per_read = {role: 1000 * s / read["ops"] for role, s in reading.items()}
    return {role: rest_per_op(total.get(role, 0.0),
                              [(per_assign.get(role, 0.0), assigns),
                               (per_read.get(role, 0.0), reads)], acts)
            for role in ROLES}


def rows(results: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["| pairs | load | rounds | answered/s | p50 ms | p95 ms | errors | "
             + " | ".join(f"{r} ms/op" for r in ROLES) + " | sum ms/op | machine busy | load avg |",
             "|" + "---|" * (10 + len(ROLES))]
    for pairs in sorted({r["pairs"] for r in results}):
        rounds = [r for r in results if r["pairs"] == pairs]
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for r in rounds:
            by_kind.setdefault(r["kind"], []).append(r)
        for kind, same in by_kind.items():
            cost = {role: mean(1000 * by_role(r["cpu_s"]).get(role, 0.0) / r["ops"]
                               for r in same) for role in ROLES}
            lines.append(_line(pairs, kind, same, cost))
        if {"assign", "mixed", "read"} <= set(by_kind):
            derived = [act_cost(m, a, r) for m, a, r in
                       zip(by_kind["mixed"], by_kind["assign"], by_kind["read"], strict=False)]
            cost = {role: mean(d[role] for d in derived) for role in ROLES}
            lines.append(f"| {pairs} | one act, derived from mixed | {len(derived)} | | | | | "
                         + " | ".join(f"{cost[r]:.1f}" for r in ROLES)
                         + f" | {sum(cost.values()):.1f} | | |")
    return lines


def _line(pairs: int, kind: str, same: Sequence[Mapping[str, Any]],
          cost: Mapping[str, float]) -> str:
    errors = sum(sum(r["errors"].values()) for r in same)
    loads = ", ".join(f"{r['loadavg'][0].split()[0]}→{r['loadavg'][1].split()[0]}" for r in same)
    return (f"| {pairs} | {kind} | {len(same)} | {mean(r['rate'] for r in same):.1f} | "
            f"{mean(r['p50_ms'] for r in same):.0f} | {mean(r['p95_ms'] for r in same):.0f} | "
            f"{errors} | " + " | ".join(f"{cost[r]:.1f}" for r in ROLES)
            + f" | {sum(cost.values()):.1f} | "
            f"{mean(r['machine_busy_cores'] for r in same):.2f} | {loads} |")


def main(path: str) -> int:
    data = json.loads(Path(path).read_text())
    print(f"bench.scale_out of {data['started']}, {data['cores']} cores; figures averaged "
          "over the rounds; CPU by role (all APIs together, all workers together)\n")
    print("\n".join(rows(data["results"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
