"""The read-model activity: idempotent under retries, never overwritten by older snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.readmodel import ReadModelActivities
from domain.lifecycle import TaskState
from tests.org_fixture import seed_small_org
from tests.workflow.harness import draft, events, notifications, task_row
from workflows.contracts import EventRecord, Notice, RecordInput, TaskRecord


def _record_input(task_id: str, seq: int, now: datetime) -> RecordInput:
    d = draft()
    return RecordInput(
        task=TaskRecord(
            id=task_id, client_key="k", request_hash="h", title=d.title, description="x",
            basis="KH 1", lead_unit_id="snv", owner_id="snv.cb1", assigner_id="chutich",
            product=d.product,  # type: ignore[arg-type]
            deadline=now + timedelta(days=9), original_deadline=now + timedelta(days=9),
            created_at=now, seq=seq,
        ),
        event=EventRecord(seq=seq, at=now, action="assign", actor_id="chutich",
                          from_state=None, to_state=TaskState.ASSIGNED),
        notices=[Notice("assigned", recipient_id="snv.cb1"), Notice("assigned", "gd.snv")],
    )


def test_a_retried_activity_writes_nothing_twice(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_small_org(s)
    activities = ReadModelActivities(any_engine)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    payload = _record_input("t-retry", 1, now)
    for _ in range(3):
        activities.record_task_event(payload)
    assert len(events(any_engine, "t-retry")) == 1
    assert sorted(n.recipient_id for n in notifications(any_engine, "t-retry")) == [
        "gd.snv", "snv.cb1"
    ]
    # An older snapshot arriving late never overwrites a newer row.
    newer = _record_input("t-retry", 2, now)
    newer.task.progress = 40
    newer.event.action = "report_progress"
    activities.record_task_event(newer)
    activities.record_task_event(payload)
    assert task_row(any_engine, "t-retry").progress == 40
    assert [e.seq for e in events(any_engine, "t-retry")] == [1, 2]


def test_a_plain_postgresql_url_uses_psycopg_3() -> None:
    """The form every guide shows, `postgresql://…`, must work as written (no driver suffix)."""
    from giaoviec.store.db import make_engine

    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_data_the_database_cannot_store_fails_once_not_for_ever(any_engine: Engine) -> None:
    """A value that overflows on its way into the database is refused non-retryably (Temporal
    would otherwise retry it for ever and wedge the task); the workflow then undoes it."""
    import pytest
    from temporalio.exceptions import ApplicationError

    with Session(any_engine) as s:
        seed_small_org(s)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    payload = _record_input("t-bad", 1, now)
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59)))
    payload.task.deadline = far  # no validation on this path: straight to the activity
    with pytest.raises(ApplicationError) as err:
        ReadModelActivities(any_engine).record_task_event(payload)
    assert err.value.non_retryable and err.value.type == "BAD_DATA"
    assert events(any_engine, "t-bad") == []
