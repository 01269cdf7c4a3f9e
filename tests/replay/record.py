"""Record workflow histories for the replay test: `python -m tests.replay.record [label]`.

Runs each workflow type through its paths on a time-skipping server with the code as it is
now, and writes the histories to tests/replay/histories/<label>-<scenario>.json. Commit them
before changing a workflow: `test_replay` then proves the new code still replays what
production workflows recorded. `python -m tests.replay.record v2 task-milestones` records only
the scenarios named.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, SQLModel
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.lifecycle import Action
from domain.record import new_record
from domain.recurrence import Frequency, Recurrence, RuleDraft
from domain.task import Milestone
from domain.timezone import local_date
from giaoviec.config import Settings
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import build_worker
from giaoviec.services.calendar import set_overrides
from giaoviec.services.recurring import RecurringService
from giaoviec.services.subtasks import SubtaskPart, SubtaskService
from giaoviec.services.tasks import TaskService, new_task_id, request_hash
from giaoviec.store.db import make_engine
from giaoviec.store.models import Official
from tests.org_fixture import seed_small_org
from tests.workflow.harness import draft, working_day_after
from workflows.calendar import CalendarRefreshWorkflow
from workflows.contracts import (
    CalendarConfig,
    Output,
    RecurringRun,
    TallyRequest,
    TaskStart,
    workflow_id_for,
)
from workflows.digest import DigestWorkflow
from workflows.recurring import RecurringRunWorkflow
from workflows.tally import BriefingWorkflow
from workflows.task import TaskWorkflow

HERE = Path(__file__).parent / "histories"


class _NoSchedule:
    """The time-skipping server has no Schedules: the recording starts the run itself."""

    async def install(self, rule_id: str, title: str) -> None: ...
    async def remove(self, rule_id: str) -> None: ...
    async def set_paused(self, rule_id: str, paused: bool, note: str) -> None: ...
QUEUE = "record"


def working_day_deadline(now: datetime, days: int) -> datetime:
    """The end of the working day `days` working days after `now`, as a deadline."""
    return WorkingCalendar().deadline_for_date(working_day_after(now, days))


async def _save(handle: WorkflowHandle, name: str, label: str, run_id: str | None = None) -> None:
    if run_id is not None:
        handle = handle._client.get_workflow_handle(handle.id, run_id=run_id)
    history = await handle.fetch_history()
    (HERE / f"{label}-{name}.json").write_text(history.to_json(), encoding="utf-8")


def _handle(client: Client, task_id: str) -> WorkflowHandle:
    return client.get_workflow_handle(workflow_id_for(task_id))


async def record(label: str, only: set[str] | None = None) -> None:
    def want(name: str) -> bool:
        return not only or name in only

    HERE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'rm.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_small_org(s)
        s.add(Official(id="quantri", username="quantri", full_name="Quản Trị Viên",
                       unit_id="vp", roles="admin"))
        s.commit()
    cal = WorkingCalendar()
    settings = Settings(_env_file=None, data_dir=tmp / "data")  # type: ignore[call-arg]
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=shutil.which("temporal-test-server")
        or str(Path(sys.executable).parent / "temporal-test-server"),
    ) as env, build_worker(env.client, engine, QUEUE, settings=settings):
        svc = TaskService(env.client, engine, QUEUE, cal, CalendarConfig())
        now = await env.get_current_time()

        # The whole road: accept, report, extension asked and granted, submit, return, approve.
        if want("task-lifecycle"):
            rec = await svc.assign("chutich", "rec-1", draft(deadline=working_day_after(now, 12)),
                                   now=now)
            await svc.act("snv.cb1", rec.id, Action.ACCEPT)
            await svc.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=40, note="Đang làm")
            await svc.act("snv.cb1", rec.id, Action.REQUEST_EXTENSION, note="Chờ số liệu",
                          new_deadline=rec.deadline + timedelta(days=7))
            await svc.act("chutich", rec.id, Action.DECIDE_EXTENSION, approve=True)
            await svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo số 1"))
            await svc.act("chutich", rec.id, Action.RETURN, note="Bổ sung số liệu")
            await svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo số 2", "2/BC"))
            await svc.act("chutich", rec.id, Action.APPROVE)
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-lifecycle", label)

        # Timers: reminders, overdue warnings, escalation, the flag; then cancelled.
        if want("task-escalation"):
            now = await env.get_current_time()
            rec = await svc.assign("chutich", "rec-2", draft(deadline=working_day_after(now, 4)),
                                   now=now)
            await svc.act("snv.cb1", rec.id, Action.ACCEPT)
            await env.sleep(rec.deadline - now + timedelta(days=30))
            await svc.act("chutich", rec.id, Action.CANCEL, note="Không còn cần thiết")
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-escalation", label)

        # Assigned already overdue (a signed plan keyed in after its term): one overdue notice
        # at once, then the ladder from the assignment; then cancelled.
        if want("task-born-overdue"):
            now = await env.get_current_time()
            late = draft(deadline=working_day_after(now, -10))
            rec = new_record(new_task_id(), "rec-8", request_hash(late), late, "chutich",
                             cal.deadline_for_date(working_day_after(now, -10)), now)
            await svc.start(rec)
            await env.sleep(timedelta(days=9))
            await svc.act("chutich", rec.id, Action.CANCEL, note="Đã thay bằng kế hoạch khác")
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-born-overdue", label)

        # Pause and resume (the deadline moves), decline, reassign, then cancel.
        if want("task-pause-decline-reassign"):
            now = await env.get_current_time()
            rec = await svc.assign("chutich", "rec-3", draft(deadline=working_day_after(now, 8)),
                                   now=now)
            await svc.act("chutich", rec.id, Action.PAUSE, note="Chờ chủ trương")
            await env.sleep(timedelta(days=5))
            await svc.act("chutich", rec.id, Action.RESUME)
            await svc.act("snv.cb1", rec.id, Action.DECLINE, note="Không đúng chức năng")
            await svc.act("chutich", rec.id, Action.REASSIGN, new_owner_id="snv.cb2",
                          note="Giao đồng chí khác")
            await svc.act("snv.cb2", rec.id, Action.ACCEPT)
            await svc.act("chutich", rec.id, Action.CANCEL, note="Gộp vào nhiệm vụ khác")
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-pause-decline-reassign", label)

        # A still-open task, as most production histories are when a new worker meets them.
        if want("task-open"):
            now = await env.get_current_time()
            rec = await svc.assign("pct", "rec-4", draft(deadline=working_day_after(now, 6)),
                                   now=now)
            await svc.act("snv.cb1", rec.id, Action.ACCEPT)
            await env.sleep(timedelta(days=3))
            await _save(_handle(env.client, rec.id), "task-open", label)

        # A long task carried over by continue-as-new (forced after two loop turns).
        if want("task-continued-as-new"):
            now = await env.get_current_time()
            record_ = (await svc.assign("chutich", "rec-5", draft(
                deadline=working_day_after(now, 10)), now=now))
            started = await env.client.start_workflow(
                TaskWorkflow.run,
                TaskStart(record=dataclasses.replace(record_, id="can-1", seq=0),
                          continue_as_new_after=2),
                id=workflow_id_for("can-1"), task_queue=QUEUE,
            )
            await started.execute_update(TaskWorkflow.created)
            await svc.act("snv.cb1", "can-1", Action.ACCEPT)
            await svc.act("snv.cb1", "can-1", Action.REPORT_PROGRESS, percent=10)
            await svc.act("snv.cb1", "can-1", Action.REPORT_PROGRESS, percent=20)
            await env.sleep(timedelta(hours=2))
            await _save(started, "task-continued-as-new", label,
                        run_id=started.first_execution_run_id)

        # The weekly tally (a given week), a periodic report (by kind), and one e-mail digest.
        for name, args in (("tally-week", ["2026-W47"]), ("tally-half", [None, "half"])):
            if want(name):
                handle = await env.client.start_workflow(
                    "TallyWorkflow", args=args, id=f"rec-{name}", task_queue=QUEUE)
                await handle.result()
                await _save(handle, name, label)
        if want("digest"):
            handle = await env.client.start_workflow(DigestWorkflow.run, id="rec-digest",
                                                     task_queue=QUEUE)
            await handle.result()
            await _save(handle, "digest", label)
        for name, req in (("briefing-week", TallyRequest("2026-W47")),
                          ("briefing-half", TallyRequest(kind="half")),
                          ("briefing-unit", TallyRequest("2026-W47", unit_id="snv"))):
            if want(name):
                handle = await env.client.start_workflow(
                    BriefingWorkflow.run, req, id=f"rec-{name}", task_queue=QUEUE)
                await handle.result()
                await _save(handle, name, label)

        # A manual reminder (đôn đốc) and a calendar change told to an open task.
        if want("task-remind-calendar") or want("calendar-refresh"):
            now = await env.get_current_time()
            rec = await svc.assign("chutich", "rec-7", draft(
                deadline=working_day_after(now, 9)), now=now)
            await svc.act("vp.cv", rec.id, Action.REMIND, note="Đề nghị khẩn trương")
            day_off = working_day_after(now, 8)
            await set_overrides(svc, settings, "quantri", [day_off], [], wait=True)
            await env.sleep(timedelta(days=20))
            await svc.act("vp.cv", rec.id, Action.REMIND)
            await svc.act("chutich", rec.id, Action.CANCEL, note="Kết thúc")
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-remind-calendar", label)
            refresh = await env.client.start_workflow(
                CalendarRefreshWorkflow.run, svc.calendar_config, id="rec-calendar-refresh",
                task_queue=QUEUE)
            await refresh.result()
            await _save(refresh, "calendar-refresh", label)

        # One run of a recurring duty: the seeds' reports, opening the next 05/12 report.
        if want("recurring-run"):
            now = await env.get_current_time()
            rules = RecurringService(svc, _NoSchedule())
            rule_id = await rules.create("chutich", "rec-rule", RuleDraft(
                title="Báo cáo kết quả thực hiện Kế hoạch", description="Báo cáo định kỳ.",
                basis="KH 112", product_kind="báo cáo", product_description="Báo cáo",
                product_measure="Gửi Văn phòng", unit_ids=("snv", "stc"),
                recurrence=Recurrence(Frequency.MONTHLY,
                                      day=(local_date(now) + timedelta(days=2)).day,
                                      open_days=10),
                starts_on=local_date(now) - timedelta(days=40)), now=now)
            handle = await env.client.start_workflow(
                RecurringRunWorkflow.run, RecurringRun(rule_id), id="rec-recurring-run",
                task_queue=QUEUE)
            await handle.result()
            await _save(handle, "recurring-run", label)

        # Milestones reminded (behind the "milestone-reminders" patch), then the task done.
        if want("task-milestones"):
            now = await env.get_current_time()
            marks = (Milestone("Dự thảo", working_day_after(now, 3)),
                     Milestone("Xin ý kiến", working_day_after(now, 6)))
            rec = await svc.assign("chutich", "rec-6", dataclasses.replace(
                draft(deadline=working_day_after(now, 10)), milestones=marks), now=now)
            await env.sleep(timedelta(days=10))
            await svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo"))
            await svc.act("chutich", rec.id, Action.APPROVE)
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-milestones", label)

        # A parent's extension shifted down and its cancellation carried down by its own
        # workflow (behind the "carry-down-in-workflow" patch).
        if want("task-carry-down"):
            now = await env.get_current_time()
            rec = await svc.assign("chutich", "rec-8", draft(deadline=working_day_after(now, 20)),
                                   now=now)
            (child,) = await SubtaskService(svc).split("gd.snv", rec.id, [SubtaskPart(
                "rec-8a", dataclasses.replace(draft(deadline=working_day_after(now, 10),
                                                    owner="snv.cb2"), basis=None))], now=now)
            await svc.act("snv.cb1", rec.id, Action.REQUEST_EXTENSION, note="Chờ số liệu",
                          new_deadline=rec.deadline + timedelta(days=7))
            await svc.act("chutich", rec.id, Action.DECIDE_EXTENSION, approve=True,
                          shift_subtasks=True)
            await svc.act("chutich", rec.id, Action.CANCEL, note="Gộp vào kế hoạch năm")
            await _handle(env.client, rec.id).result()
            await _handle(env.client, child.id).result()
            await _save(_handle(env.client, rec.id), "task-carry-down", label)

        # The assigner sets a new deadline himself (changeDeadline) on an overdue task: the
        # ladder re-planned from it, then the product approved.
        if want("task-change-deadline"):
            now = await env.get_current_time()
            rec = await svc.assign("chutich", "rec-9", draft(deadline=working_day_after(now, 3)),
                                   now=now)
            await svc.act("snv.cb1", rec.id, Action.ACCEPT)
            await env.sleep(rec.deadline - now + timedelta(days=2))
            later = await env.get_current_time()
            for _ in range(2):  # a retry with the same key changes nothing
                await svc.act("chutich", rec.id, Action.CHANGE_DEADLINE,
                              new_deadline=working_day_deadline(later, 6),
                              note="Điều chỉnh theo kế hoạch mới", client_key="rec-9-deadline")
            await env.sleep(timedelta(days=5))
            await svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo"))
            await svc.act("chutich", rec.id, Action.APPROVE)
            await _handle(env.client, rec.id).result()
            await _save(_handle(env.client, rec.id), "task-change-deadline", label)
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v1", set(sys.argv[2:])))
