"""The national tally heartbeats and resumes (issue 15, item 11): it commits its briefings in
batches, heartbeats how far it got, and an attempt after its worker died goes on from the
last heartbeat — the briefings already settled are neither redone nor numbered twice."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

import activities.tally
from activities.tally import TallyActivities
from domain.calendar import WorkingCalendar
from giaoviec.store.db import make_engine
from giaoviec.store.models import Briefing, SQLModel
from tests.api.harness import make_settings
from tests.org_fixture import seed_small_org
from tests.tally.test_tally_store import RUN_AT, population
from workflows.contracts import TallyRequest


class WorkerDied(Exception):
    pass


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'rm.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
    yield engine
    engine.dispose()


def briefings(engine: Engine) -> list[Briefing]:
    with Session(engine) as s:
        return list(s.exec(select(Briefing)).all())


def test_a_tally_heartbeats_and_resumes_after_its_worker_dies(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activities.tally, "BATCH", 1)
    acts = TallyActivities(engine, make_settings(data_dir=tmp_path / "data"), WorkingCalendar())
    request = TallyRequest(period="2026-W47", now=RUN_AT)

    beats: list[dict[str, Any]] = []

    def dies_at_the_third(*details: Any) -> None:
        beats.append(details[0])
        if len(beats) == 3:  # counted, two briefings settled: the worker is killed
            raise WorkerDied

    first = ActivityEnvironment()
    first.on_heartbeat = dies_at_the_third
    with pytest.raises(WorkerDied):
        first.run(acts.tally_and_brief, request)
    assert [len(b["done"]) for b in beats] == [0, 1, 2]
    kept = briefings(engine)
    assert len(kept) == 2  # committed before the heartbeat that said so

    written: list[str] = []
    real = activities.tally.write_briefing

    def counting(*args: Any, **kwargs: Any) -> Briefing:
        written.append(args[4].unit.id)
        return real(*args, **kwargs)

    monkeypatch.setattr(activities.tally, "write_briefing", counting)
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=[beats[-1]])
    outcome = retry.run(acts.tally_and_brief, request)
    every = briefings(engine)
    assert set(written).isdisjoint(beats[-1]["done"])  # nothing settled is redone
    assert len(written) == len(every) - 2 and len(every) > 3
    assert sorted(outcome.briefings) == sorted(b.id for b in every)
    assert len({(b.root_unit_id, b.number) for b in every}) == len(every)
    assert all(b.revision == 1 for b in every)
