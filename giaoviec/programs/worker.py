"""The Temporal worker: task workflows, the digest workflow, and their activities."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.calendar import CalendarActivities
from activities.cascade import CascadeActivities
from activities.mail import MailActivities
from activities.readmodel import ReadModelActivities
from activities.recurring import RecurringActivities
from activities.tally import TallyActivities
from domain.calendar import WorkingCalendar  # importing warms the holiday tables
from giaoviec.config import Settings, get_settings
from giaoviec.observability import logs
from giaoviec.observability.metrics import ACTIVITIES
from workflows.calendar import CalendarRefreshWorkflow
from workflows.contracts import TASK_WORKFLOW_PREFIX
from workflows.digest import DigestWorkflow
from workflows.recurring import RecurringRunWorkflow
from workflows.tally import BriefingWorkflow, TallyWorkflow
from workflows.task import TaskWorkflow

# TallyWorkflow is the first version of BriefingWorkflow, kept for runs started before it.
WORKFLOWS = [TaskWorkflow, DigestWorkflow, BriefingWorkflow, TallyWorkflow,
             CalendarRefreshWorkflow, RecurringRunWorkflow]
# The domain rules are pure and deterministic; domain.calendar computes its holiday tables
# when first imported (here, outside the sandbox), so workflows only read them. The contracts
# (plain dataclasses) and the data converter pass through too, so every workflow shares the
# converter's cached type adapters (see workflows.converter).
RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "holidays", "domain", "workflows.contracts", "workflows.converter")
)

# A workflow's next task goes to the sticky queue of the worker that cached it; when that worker
# is dead (kill -9, a crashed pod) Temporal hands the task to the shared queue only after this
# long. The SDK's default, 10 s, made every reminder due on a killed worker ~11 s late
# (docs/benchmarks.md, "Faults survived"). 2 s keeps them within the 5 s target; the price, a
# live but busy worker that takes longer than 2 s to poll loses the task to another worker, which
# replays the history first (correct, only slower).
STICKY_QUEUE_TIMEOUT = timedelta(seconds=2)

# Each workflow the worker keeps cached holds its sandbox (its own import of the workflow
# modules) and its state: ~150 KB (a soak that only opened tasks grew a worker by ~160 MB on
# its way to the former 1,000). A task wakes rarely (a reminder days apart, a person's action),
# so an evicted one is replayed from its short history when it does; 500 bounds a worker's
# cache near 75 MB whatever the number of open tasks.
MAX_CACHED_WORKFLOWS = 500


class _ActivityLogs(ActivityInboundInterceptor):
    """Each activity's log lines carry the task it works for (its workflow's id names it);
    each activity run is counted by name and outcome."""

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        if info.workflow_id and info.workflow_id.startswith(TASK_WORKFLOW_PREFIX):
            logs.for_task(info.workflow_id.removeprefix(TASK_WORKFLOW_PREFIX))
        try:
            result = await super().execute_activity(input)
        except BaseException:
            ACTIVITIES.labels(info.activity_type, "failed").inc()
            raise
        ACTIVITIES.labels(info.activity_type, "completed").inc()
        return result


class Observed(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogs(next)


def build_worker_activities(
    engine: Engine, settings: Settings, calendar: WorkingCalendar | None = None,
    client: Client | None = None,
) -> list[Callable[..., Any]]:
    """The implementations of the activities the workflows reference (workflows.contracts)."""
    readmodel = ReadModelActivities(engine)
    mail = MailActivities(engine, settings)
    tally = TallyActivities(engine, settings, calendar)
    calendars = CalendarActivities(engine, client)
    recurring = RecurringActivities(engine, settings, calendar, client)
    cascade = CascadeActivities(engine, calendar, client)
    return [readmodel.record_task_event, mail.send_email_digests, tally.tally_and_brief,
            calendars.signal_open_tasks, recurring.open_occurrences, cascade.carry_down]


def build_worker(
    client: Client, engine: Engine, task_queue: str, *, max_threads: int = 16,
    max_cached_workflows: int = MAX_CACHED_WORKFLOWS, settings: Settings | None = None,
    calendar: WorkingCalendar | None = None,
) -> Worker:
    """Sync read-model activities run on a thread pool so they never block the event loop."""
    settings = settings or get_settings()
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        workflow_runner=RUNNER,
        activities=build_worker_activities(engine, settings, calendar, client),
        activity_executor=ThreadPoolExecutor(max_workers=max_threads),
        max_concurrent_activities=max_threads,
        max_cached_workflows=max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=STICKY_QUEUE_TIMEOUT,
        interceptors=[Observed()],
    )
