"""Helpers for workflow tests: a service on a time-skipping server, drafts, read-model peeks."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.calendar import WorkingCalendar
from domain.task import DeadlineSpec, Product, TaskDraft
from domain.timezone import local_date
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
