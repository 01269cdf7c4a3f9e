"""Benchmark: the weekly kiểm đếm at national scale: every People's Committee (34 provinces,
3,321 communes and wards) gets its own briefing over its own subtree.

    .venv/bin/python -m bench.tally_bench --tasks 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import SQLModel

from activities.tally import run_tally
from bench.read_bench import populate
from domain.calendar import WorkingCalendar
from domain.periods import week_just_ended
from giaoviec.config import Settings
from giaoviec.store.db import make_engine
from workflows.contracts import TallyRequest


def main(tasks: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-tally-bench-"))
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    populate(engine, tasks)
    settings = Settings(_env_file=None, data_dir=tmp)  # type: ignore[call-arg]
    now = datetime.now(UTC)
    period = week_just_ended(now).key
    for label in ("first run", "rerun, nothing changed"):
        start = time.perf_counter()
        outcome = run_tally(engine, settings, WorkingCalendar(), TallyRequest(period), now)
        print(f"{label}: {len(outcome.briefings)} briefings, {tasks} tasks, "
              f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    main(parser.parse_args().tasks)
