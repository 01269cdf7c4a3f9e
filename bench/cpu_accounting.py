"""The pure part of `bench.scale_out`: CPU seconds from /proc, summed over a process's tree or
over a group of processes that come and go (PostgreSQL's backends), per operation; the
machine's busy cores from /proc/stat; a load phase's figures. No I/O here: the bench reads
/proc, these functions do the arithmetic (tests/bench/test_cpu_accounting.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bench.timers import percentile


def parse_stat(text: str, ticks: int) -> tuple[int, float]:
    """(parent pid, CPU seconds: utime + stime) from one /proc/PID/stat line. The command name
    in parentheses may itself hold spaces and ")", so fields are counted after its last ")"."""
    fields = text.rsplit(")", 1)[1].split()
    # After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime (fields 4 and 14, 15 of proc(5)).
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def tree(root: int, parents: Mapping[int, int]) -> set[int]:
    """`root` and every descendant of it, from each live process's parent pid (HAProxy's
    master and its worker; a Go server's children, if any)."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def spent(samples: Sequence[Mapping[int, float]]) -> float:
    """CPU seconds a group of processes spent over a window, from samples of each member's
    cumulative CPU taken through it (the first at its start). A member present in the first
    sample counts from there; one born later counts from zero (all of its life is inside the
    window); one that ended counts up to its last sample (what it spent after that is lost:
    at most one sampling interval's worth)."""
    if not samples:
        return 0.0
    first, last = samples[0], {}
    for sample in samples:
        last.update(sample)
    return sum(cpu - first.get(pid, 0.0) for pid, cpu in last.items())


def busy(cpu_line: str) -> tuple[float, float]:
    """(busy, total) jiffies from /proc/stat's first `cpu` line: busy is all but idle and
    iowait; guest time is already inside user and nice, so it is not added twice."""
    values = [int(v) for v in cpu_line.split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return float(user + nice + system + irq + softirq + steal), float(sum(values[:8]))


def busy_cores(before: str, after: str, cores: int) -> float:
    """How many of the machine's cores were busy on average between two /proc/stat lines."""
    (b0, t0), (b1, t1) = busy(before), busy(after)
    return cores * (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


def per_op_ms(cpu_seconds: float, ops: int) -> float:
    return 1000 * cpu_seconds / ops if ops else float("nan")


@dataclass(frozen=True)
class Phase:
    """What one load phase did: each answered request's latency (seconds), by operation, and
    the requests that failed (transport error, non-200, or a GraphQL error)."""

    wall: float
    latencies: Mapping[str, Sequence[float]]
    errors: int

    @property
    def ops(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rate(self) -> float:
        return self.ops / self.wall if self.wall > 0 else 0.0

    def quantiles(self, op: str | None = None) -> tuple[float, float]:
        """p50 and p95 in ms (nearest rank), of one operation or of all."""
        values: Iterable[float] = (self.latencies.get(op, ()) if op else
                                   (x for v in self.latencies.values() for x in v))
        ordered = list(values)
        if not ordered:
            return float("nan"), float("nan")
        return 1000 * percentile(ordered, 0.5), 1000 * percentile(ordered, 0.95)


def by_role(cpu: Mapping[str, float]) -> dict[str, float]:
    """Each process's figure summed by its role: api1, api2 → api; worker1, … → worker; the
    others (temporal, proxy, postgres, load generator) as they are."""
    roles: dict[str, float] = {}
    for name, value in cpu.items():
        role = name.rstrip("0123456789") if name.startswith(("api", "worker")) else name
        roles[role] = roles.get(role, 0.0) + value
    return roles


def rest_per_op(total_s: float, known: Sequence[tuple[float, int]], rest_ops: int) -> float:
    """CPU ms per operation of the operations of a mixed load left once those of known cost
    are taken out: `total_s` CPU seconds over the mixed load, `known` each kind's (ms per
    operation, measured alone; how many the mixed load did)."""
    if not rest_ops:
        return float("nan")
    known_ms = sum(ms * n for ms, n in known)
    return (1000 * total_s - known_ms) / rest_ops
