"""Away and moved, on the time-skipping server (SQLite and PostgreSQL): a substitute hears the
official's reminders and acts for him, the trail saying for whom (KT./TL.); an import that
deactivates or moves officials hands their open tasks to the unit's head, leaving none with
an inactive owner."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import OPEN_STATES, Action, TaskState
from domain.timezone import local_date
from giaoviec.orgdata.importer import import_org
from giaoviec.programs.worker import build_worker
from giaoviec.services.handover import complete_handovers
from giaoviec.services.substitutes import cancel_substitute, set_substitute
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import HandOver, Official, Task
from tests.workflow.harness import (
    draft,
    events,
    new_key,
    notifications,
    task_row,
    working_day_after,
)
from workflows.contracts import CalendarConfig, Output

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "test-substitutes"
CAL = WorkingCalendar()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[TaskService]:
    with Session(db) as s:
        for oid, title in (("chutich", "Chủ tịch UBND tỉnh"), ("snv.cb1", "Chuyên viên")):
            official = s.get(Official, oid)
            assert official is not None
            official.title = title
            s.add(official)
        s.commit()
    async with build_worker(env.client, db, QUEUE):
        yield TaskService(env.client, db, QUEUE, CAL, CalendarConfig())


async def test_a_substitute_hears_the_reminders_and_acts_for_the_official(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    now = await env.get_current_time()
    today = local_date(now)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(now, 6)),
                               now=now)
    with pytest.raises(DomainError) as err:  # nobody names another's substitute but a leader
        set_substitute(db, "snv.cb2", "snv.cb1", "snv.cb2", today, today, "Nghỉ phép", now=now)
    assert err.value.code == Code.FORBIDDEN
    with pytest.raises(DomainError) as err:
        set_substitute(db, "snv.cb1", "snv.cb1", "stc.cb", today, today - timedelta(days=1),
                       "", now=now)
    assert {f.code for f in err.value.fields} == {
        "SUBSTITUTE_OUTSIDE_UNIT", "MISSING_REASON", "INVALID_RANGE"}
    away = set_substitute(db, "gd.snv", "snv.cb1", "snv.cb2", today, today + timedelta(days=40),
                          "Đi học lớp bồi dưỡng", now=now)
    with pytest.raises(DomainError) as err:
        set_substitute(db, "snv.cb1", "snv.cb1", "gd.snv", today + timedelta(days=3),
                       today + timedelta(days=5), "Nghỉ phép", now=now)
    assert [f.code for f in err.value.fields] == ["OVERLAPPING_SUBSTITUTION"]

    accepted = await service.act("snv.cb2", rec.id, Action.ACCEPT)  # for snv.cb1
    assert accepted.state is TaskState.IN_PROGRESS
    trail = json.loads(events(db, rec.id)[-1].data)
    assert trail == {"on_behalf_of": "snv.cb1", "signed_as": "Thay đồng chí Hoàng Văn Em"}
    await env.sleep(rec.deadline - timedelta(hours=1) - await env.get_current_time())
    reminders = [n for n in notifications(db, rec.id) if n.kind == "reminder"]
    assert {n.recipient_id for n in reminders} == {"snv.cb1", "snv.cb2"}
    stood_in = [n for n in reminders if n.recipient_id == "snv.cb2"]
    assert stood_in and stood_in[0].title.startswith("[Thay đồng chí Hoàng Văn Em] Nhắc việc")

    cancel_substitute(db, "snv.cb1", away.id)  # back: the substitute acts no more
    with pytest.raises(DomainError) as err:
        await service.act("snv.cb2", rec.id, Action.REPORT_PROGRESS, percent=50)
    assert err.value.code == Code.FORBIDDEN


async def test_a_deputy_signs_for_the_chairman_as_kt(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    now = await env.get_current_time()
    # The service acts on the wall clock, the test server's clock has run ahead: from today.
    today = local_date(datetime.now(UTC))
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(now, 6)),
                               now=now)
    await service.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo số 3/BC-SNV"))
    with pytest.raises(DomainError):  # the deputy may not approve the chairman's task himself
        await service.act("pct", rec.id, Action.APPROVE)
    set_substitute(db, "chutich", "chutich", "pct", today, local_date(now) + timedelta(days=2),
                   "Đi công tác", now=now)
    done = await service.act("pct", rec.id, Action.APPROVE)
    assert done.state is TaskState.COMPLETED
    last = events(db, rec.id)[-1]
    assert last.actor_id == "pct"
    assert json.loads(last.data) == {"on_behalf_of": "chutich",
                                     "signed_as": "KT. Chủ tịch UBND tỉnh"}


async def test_no_self_approval_through_a_substitute_in_either_order(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    """The head names his officer his substitute: the officer may not approve "KT." what the
    head submitted, nor the head what the officer submitted for him (issue 16, item 5)."""
    now = await env.get_current_time()
    today = local_date(datetime.now(UTC))
    away = set_substitute(db, "gd.snv", "gd.snv", "snv.cb2", today,
                          local_date(now) + timedelta(days=2), "Đi công tác", now=now)
    first = await service.assign("gd.snv", new_key(), draft(
        deadline=working_day_after(now, 6)), now=now)
    await service.act("gd.snv", first.id, Action.SUBMIT, output=Output("Báo cáo số 4/BC-SNV"))
    with pytest.raises(DomainError) as refused:
        await service.act("snv.cb2", first.id, Action.APPROVE)
    assert refused.value.code == Code.FORBIDDEN
    second = await service.assign("gd.snv", new_key(), draft(
        deadline=working_day_after(now, 6)), now=now)
    await service.act("snv.cb2", second.id, Action.SUBMIT, output=Output("Báo cáo số 5/BC-SNV"))
    assert json.loads(events(db, second.id)[-1].data)["on_behalf_of"] == "gd.snv"
    with pytest.raises(DomainError) as refused:
        await service.act("gd.snv", second.id, Action.APPROVE)
    assert refused.value.code == Code.FORBIDDEN
    assert away.id is not None
    cancel_substitute(db, "gd.snv", away.id, now=now)


ORG_CHANGE = """\
officials:
  - {username: snv.cb1, full_name: Hoàng Văn Em, unit: snv, roles: officer, active: false}
  - {username: snv.cb2, full_name: Vũ Thị Giang, unit: stc, roles: officer}
  - {username: tp.tccb, full_name: Đặng Văn Hải, unit: snv-tccb, roles: unit_head,
     active: "không"}
"""


async def test_an_import_hands_the_open_tasks_of_those_who_left_to_the_head(
    env: WorkflowEnvironment, service: TaskService, db: Engine, tmp_path: Path
) -> None:
    now = await env.get_current_time()
    due = working_day_after(now, 8)
    t1 = await service.assign("chutich", new_key(), draft(deadline=due, owner="snv.cb1"), now=now)
    await service.act("snv.cb1", t1.id, Action.REPORT_PROGRESS, percent=40)
    t2 = await service.assign("chutich", new_key(), draft(deadline=due, owner="snv.cb2"), now=now)
    t3 = await service.assign("chutich", new_key(), draft(deadline=due, owner="snv.cb1"), now=now)
    await service.act("snv.cb1", t3.id, Action.SUBMIT, output=Output("Báo cáo"))
    await service.act("chutich", t3.id, Action.APPROVE)
    t4 = await service.assign("gd.snv", new_key(), draft(deadline=due, lead="snv-tccb",
                                                         owner="tp.tccb"), now=now)
    path = tmp_path / "to-chuc.yaml"
    path.write_text(ORG_CHANGE, encoding="utf-8")
    with Session(db) as s:
        counts = import_org(s, path)
    assert counts["handovers"] >= 3
    with Session(db) as s:
        pending = {(h.task_id, h.from_official_id, h.reason)
                   for h in s.exec(select(HandOver)).all()}
    assert {(t1.id, "snv.cb1", "deactivated"), (t2.id, "snv.cb2", "moved"),
            (t4.id, "tp.tccb", "deactivated")} <= pending
    assert not any(task == t3.id for task, _, _ in pending)  # completed: nothing to hand over

    done, left = await complete_handovers(service)
    assert left == 0 and done == len(pending)
    assert task_row(db, t1.id).owner_id == "gd.snv"
    assert task_row(db, t2.id).owner_id == "gd.snv"
    assert task_row(db, t4.id).owner_id == "gd.snv"  # no head left in the division: its assigner
    row = task_row(db, t1.id)
    assert (row.state, row.progress) == (TaskState.IN_PROGRESS.value, 40)  # work goes on
    handed = events(db, t1.id)[-1]
    assert handed.action == "hand_over" and handed.actor_id is None
    assert json.loads(handed.data) == {"new_owner_id": "gd.snv", "previous_owner_id": "snv.cb1"}
    assert handed.note is not None and "Hoàng Văn Em thôi công tác" in handed.note
    assert "Vũ Thị Giang chuyển công tác sang Sở Tài chính" in (events(db, t2.id)[-1].note or "")
    assert any(n.recipient_id == "gd.snv" and n.kind == "assigned"
               for n in notifications(db, t1.id))
    # Nothing is orphaned: every open task has an active owner.
    with Session(db) as s:
        orphans = s.exec(select(Task.id).join(Official, col(Official.id) == Task.owner_id).where(
            col(Task.state).in_([st.value for st in OPEN_STATES]),
            col(Official.active).is_(False))).all()
    assert orphans == []
    # Again, or the same file again: nothing more happens.
    assert await complete_handovers(service) == (0, 0)
    with Session(db) as s:
        assert import_org(s, path)["handovers"] == 0
    assert [e.action for e in events(db, t1.id)].count("hand_over") == 1
