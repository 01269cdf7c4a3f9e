"""The pure checks of `bench.chaos`: what "exactly once", "no hung request", "no 5xx outside
the outage" and "memory flat" mean, kept apart from the processes so they are unit-tested."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Once:
    """Of what was expected once: how many, which are missing, which are there more than once."""

    expected: int
    missing: tuple[str, ...]
    doubled: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.doubled


def exactly_once(expected: Iterable[str], found: Iterable[str]) -> Once:
    """Each expected key found exactly once among `found` (one entry per stored row)."""
    want = set(expected)
    counts = Counter(key for key in found if key in want)
    missing = sorted(want - counts.keys())
    doubled = sorted(key for key, n in counts.items() if n > 1)
    return Once(len(want), tuple(missing), tuple(doubled))


def reminder_lags(planned: Mapping[str, datetime],
                  recorded: Mapping[str, Sequence[datetime]]) -> list[float]:
    """Seconds from each planned reminder to its (first) recorded one."""
    return [(min(recorded[key]) - at).total_seconds()
            for key, at in planned.items() if recorded.get(key)]


def late_reminders(planned: Mapping[str, datetime], recorded: Mapping[str, Sequence[datetime]],
                   over: float) -> list[tuple[str, float]]:
    """The reminders recorded more than `over` seconds after they were planned, latest first."""
    late = [(key, (min(recorded[key]) - at).total_seconds())
            for key, at in planned.items() if recorded.get(key)]
    return sorted(((key, lag) for key, lag in late if lag > over), key=lambda kl: -kl[1])


@dataclass(frozen=True)
class HistoryEvent:
    """One event of a workflow's history, as the chaos run prints it: its number, when the
    server wrote it, its type, and a detail (a workflow task's timeout type, a timer's length)."""

    event_id: int
    at: datetime
    kind: str
    detail: str = ""


def what_it_waited_on(events: Iterable[HistoryEvent], planned: datetime,
                      recorded: datetime) -> list[HistoryEvent]:
    """The events of a late reminder's workflow from the last one before it was planned to the
    first after it was recorded: the timer that was to wake it, and each workflow task (or
    update, or timeout) between — what a reminder waited on is among them."""
    ordered = sorted(events, key=lambda e: e.event_id)
    before = [e for e in ordered if e.at < planned]
    after = [e for e in ordered if e.at > recorded + timedelta(seconds=0.5)]
    start = before[-1].event_id if before else ordered[0].event_id if ordered else 0
    stop = after[0].event_id if after else ordered[-1].event_id if ordered else 0
    return [e for e in ordered if start <= e.event_id <= stop]


@dataclass(frozen=True)
class Outcome:
    """One request as the load saw it: when it started and ended (monotonic seconds), its HTTP
    status (None: no answer: refused connection or over the bound) and whether it timed out."""

    op: str
    start: float
    end: float
    status: int | None
    timed_out: bool = False


def hung(outcomes: Iterable[Outcome], bound: float) -> list[Outcome]:
    """Requests neither answered nor refused within `bound` seconds."""
    return [o for o in outcomes if o.timed_out or o.end - o.start > bound]


def server_errors_outside(outcomes: Iterable[Outcome],
                          outages: Sequence[tuple[float, float]]) -> list[Outcome]:
    """5xx answers (and requests left without any answer) that overlap no outage window."""
    def during(o: Outcome) -> bool:
        return any(o.start <= end and o.end >= begin for begin, end in outages)

    bad = [o for o in outcomes if o.status is None or o.status >= 500]
    return [o for o in bad if not during(o)]


def cut_connections(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """Requests whose connection ended without any HTTP answer (refused or reset), not counting
    those over the bound: the proxy must answer, with a 5xx if nothing else, whatever died."""
    return [o for o in outcomes if o.status is None and not o.timed_out]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of the values, nan when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def growth(samples: Sequence[float], warmup: float = 1 / 3) -> float:
    """Relative growth of a memory series after its warm-up: the mean of the last quarter of the
    samples past warm-up over the mean of their first quarter, minus one (0.05 = 5 %)."""
    steady = list(samples[int(len(samples) * warmup):])
    if len(steady) < 2:
        return 0.0
    quarter = max(1, len(steady) // 4)
    first = sum(steady[:quarter]) / quarter
    last = sum(steady[-quarter:]) / quarter
    return last / first - 1 if first else 0.0
