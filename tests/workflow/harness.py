"""Helpers for workflow tests: a service on a time-skipping server, drafts, read-model peeks."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.worker import Worker

from domain.calendar import WorkingCalendar
from domain.task import DeadlineSpec, Product, TaskDraft
from domain.timezone import local_date
from giaoviec.config import get_settings
from giaoviec.programs.worker import RUNNER, WORKFLOWS, build_worker_activities
from giaoviec.store.models import Notification, Task, TaskEvent

_keys = itertools.count(1)


def new_key() -> str:
    return f"test-{next(_keys)}"


def draft(
    *,
    deadline: date | None = None,
    at: datetime | None = None,
    working_days: int | None = None,
    title: str = "Xây dựng báo cáo kiểm đếm nhiệm vụ",
    lead: str = "snv",
    owner: str = "snv.cb1",
) -> TaskDraft:
    return TaskDraft(
        title=title,
        description="Tổng hợp, báo cáo kết quả thực hiện nhiệm vụ được giao.",
        lead_unit_id=lead,
        owner_id=owner,
        basis="Kế hoạch số 208/KH-UBND",
        deadline=DeadlineSpec(at=at, on_date=deadline, working_days=working_days),
        product=Product("báo cáo", "Báo cáo kết quả", "Được Chủ tịch xác nhận"),
    )


def working_day_after(now: datetime, days: int, cal: WorkingCalendar | None = None) -> date:
    return (cal or WorkingCalendar()).add_working_days(local_date(now), days)


def events(engine: Engine, task_id: str) -> list[TaskEvent]:
    with Session(engine) as s:
        return list(s.exec(select(TaskEvent).where(TaskEvent.task_id == task_id)
                           .order_by(col(TaskEvent.seq))).all())


def notifications(engine: Engine, task_id: str) -> list[Notification]:
    with Session(engine) as s:
        return list(s.exec(select(Notification).where(Notification.task_id == task_id)
                           .order_by(col(Notification.id))).all())


def task_row(engine: Engine, task_id: str) -> Task:
    with Session(engine) as s:
        row = s.get(Task, task_id)
        assert row is not None
        return row


def close_to(a: datetime, b: datetime, seconds: int = 5) -> bool:
    return abs(a - b) <= timedelta(seconds=seconds)


def activities_with(engine: Engine, client: Client,
                    *replacing: Callable[..., Any]) -> list[Callable[..., Any]]:
    """Every activity the worker registers, those of the same names replaced by a test's own."""
    found = build_worker_activities(engine, get_settings(), None, client)
    names = {a.__name__ for a in replacing}
    return [*replacing, *(a for a in found if a.__name__ not in names)]


def worker_with(client: Client, engine: Engine, queue: str,
                *replacing: Callable[..., Any]) -> Worker:
    """A worker like the real one whose named activities are a test's own."""
    return Worker(client, task_queue=queue, workflows=WORKFLOWS, workflow_runner=RUNNER,
                  activities=activities_with(engine, client, *replacing),
                  activity_executor=ThreadPoolExecutor(4))
