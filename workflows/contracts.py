"""What travels between the application, the workflows and their activities.

Plain dataclasses (serialised by the pydantic data converter); no I/O, no SQL tables. Also the
one codec between a refusal as the domain raises it (DomainError) and as Temporal carries it
(ApplicationError), and typed references to the activities the workflows run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from domain.errors import Code, DomainError, FieldIssue
from domain.record import (
    CarryDown,
    Command,
    EventRecord,
    ExtensionRequest,
    Notice,
    Output,
    TaskRecord,
)

__all__ = [
    "CarryDown", "Command", "EventRecord", "ExtensionRequest", "Notice", "Output", "TaskRecord",
]

TASK_WORKFLOW_PREFIX = "task-"


def workflow_id_for(task_id: str) -> str:
    return f"{TASK_WORKFLOW_PREFIX}{task_id}"


@dataclass
class CalendarConfig:
    extra_days_off: list[date] = field(default_factory=list)
    extra_working_days: list[date] = field(default_factory=list)


@dataclass
class TaskStart:
    record: TaskRecord
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    resumed: bool = False  # True when carried over by continue-as-new
    # Testing knob: continue-as-new after this many loop turns even if not suggested.
    continue_as_new_after: int | None = None


@dataclass
class RecordInput:
    task: TaskRecord
    event: EventRecord
    notices: list[Notice] = field(default_factory=list)


@dataclass
class TallyRequest:
    """Which kiểm đếm to run: a given period ("2026-W48", "2026-11", …); or, with no period,
    the current period of `kind` ("half", "year") by the workflow's clock; or else the week
    that has just ended."""

    period: str | None = None
    kind: str | None = None
    unit_id: str | None = None  # one unit's subtree (generateBriefing); None: every unit
    now: datetime | None = None  # the workflow's clock when it asked (None: the activity's)


@dataclass
class TallyOutcome:
    period: str
    briefings: list[int]  # Briefing ids
    corrections: int  # how many are new revisions of an earlier briefing of the period


@dataclass
class DigestResult:
    recipients_mailed: int = 0
    notifications_mailed: int = 0
    failed_recipients: list[str] = field(default_factory=list)  # official ids, retried next run
    disabled: bool = False


@dataclass
class RecurringRun:
    """One run of a recurring duty (its Schedule starts one every morning)."""

    rule_id: str


@dataclass
class RecurringAsOf:
    rule_id: str
    as_of: datetime


@dataclass
class OccurrencesOpened:
    """What a run started: the tasks of the occurrences due to open that had none yet."""

    task_ids: list[str] = field(default_factory=list)


# Refusals across Temporal ------------------------------------------------------------------


def to_failure(err: DomainError) -> ApplicationError:
    """A domain refusal as Temporal carries it: the code as the error type, every field (with
    its "rõ" and row) as the first detail. Non-retryable: the same input is refused again."""
    fields = [{"field": f.field, "code": f.code, "message": f.message, "ro": f.ro,
               "row": f.row} for f in err.fields]
    return ApplicationError(err.message, fields, type=err.code, non_retryable=True)


def from_failure(err: BaseException | None) -> DomainError | None:
    """The domain refusal inside a failed update or workflow, if that is what it is; follows
    the chain of causes (an update failure wraps the workflow's ApplicationError)."""
    while err is not None:
        if isinstance(err, ApplicationError) and err.type and err.type in _CODES:
            fields: list[FieldIssue] = []
            if err.details and isinstance(err.details[0], list):
                fields = [FieldIssue(d["field"], d["code"], d["message"], d.get("ro") or "",
                                     d.get("row")) for d in err.details[0]]
            return DomainError(err.type, err.message, fields)
        err = getattr(err, "cause", None)
    return None


_CODES = frozenset(v for k, v in vars(Code).items() if k.isupper())


# Activities the workflows run ---------------------------------------------------------------

I = TypeVar("I")  # noqa: E741
O = TypeVar("O")  # noqa: E741


@dataclass(frozen=True)
class ActivityRef(Generic[I, O]):
    """A typed handle on an activity: workflows call it without importing the activities
    package (imports flow domain ← workflows ← activities); the activities register their
    implementation under `name`, and a test holds the types equal."""

    name: str
    arg_type: type[I] | None
    result_type: type[O]
    timeout: timedelta
    retry: RetryPolicy
    heartbeat: timedelta | None = None  # long activities report progress this often

    async def run(self, arg: I | None = None) -> O:
        args = [] if self.arg_type is None else [arg]
        return await workflow.execute_activity(
            self.name, args=args, result_type=self.result_type,
            start_to_close_timeout=self.timeout, retry_policy=self.retry,
            heartbeat_timeout=self.heartbeat,
        )

    async def run_local(self, arg: I | None = None, *, attempt: timedelta | None = None,
                        retry: RetryPolicy | None = None) -> O:
        """As a local activity: run by the worker that runs the workflow, inside the workflow
        task, its result recorded as a marker — no round trip through the server's activity
        queue. For short, idempotent work (a read-model write), not for long jobs. `attempt`:
        each try at most this long, `retry` instead of the ref's policy."""
        args = [] if self.arg_type is None else [arg]
        return await workflow.execute_local_activity(
            self.name, args=args, result_type=self.result_type,
            start_to_close_timeout=attempt or self.timeout,
            retry_policy=retry or self.retry,
        )


RECORD_TASK_EVENT: ActivityRef[RecordInput, bool] = ActivityRef(
    "record_task_event", RecordInput, bool, timedelta(seconds=30),
    # Bad data is refused non-retryably by the activity itself; anything else (the database
    # away for a while) is retried, at most every 30 s, until it comes back.
    RetryPolicy(maximum_interval=timedelta(seconds=30)),
)
# Since the task workflow's "serial-updates" patch the write is retried with backoff a bounded
# number of times, each try at most RECORD_ATTEMPT: with the database refusing connections
# the caller hears UNAVAILABLE (nothing changed) after ≈7 s, with it hanging after ≈37 s at
# worst — both within the service's wait for an update.
RECORD_ATTEMPT = timedelta(seconds=5)
RECORD_RETRY_BOUNDED = RetryPolicy(initial_interval=timedelta(milliseconds=200),
                                   backoff_coefficient=2.0,
                                   maximum_interval=timedelta(seconds=3), maximum_attempts=6)
BAD_DATA = "BAD_DATA"  # the read model refused the data itself (never retried)


def refused_as_bad_data(err: BaseException | None) -> bool:
    """Whether a failed read-model write was refused for its data (not a database away)."""
    while err is not None:
        if isinstance(err, ApplicationError) and err.type == BAD_DATA:
            return True
        err = getattr(err, "cause", None) or err.__cause__
    return False


TALLY_AND_BRIEF: ActivityRef[TallyRequest, TallyOutcome] = ActivityRef(
    "tally_and_brief", TallyRequest, TallyOutcome, timedelta(minutes=10),
    RetryPolicy(maximum_interval=timedelta(minutes=1)),
    # It heartbeats once counted and every BATCH briefings: a dead worker is noticed within
    # this, and the retry resumes after the briefings it had settled.
    heartbeat=timedelta(minutes=2),
)
SEND_EMAIL_DIGESTS: ActivityRef[Any, DigestResult] = ActivityRef(
    "send_email_digests", None, DigestResult, timedelta(minutes=5), RetryPolicy(),
)
SIGNAL_OPEN_TASKS: ActivityRef[CalendarConfig, int] = ActivityRef(
    "signal_open_tasks", CalendarConfig, int, timedelta(hours=1),
    RetryPolicy(maximum_interval=timedelta(minutes=1)), heartbeat=timedelta(minutes=2),
)
OPEN_OCCURRENCES: ActivityRef[RecurringAsOf, OccurrencesOpened] = ActivityRef(
    "open_occurrences", RecurringAsOf, OccurrencesOpened, timedelta(minutes=10),
    # Idempotent (claimed keys, workflow ids): a retry starts only what is still missing.
    RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
CARRY_DOWN: ActivityRef[CarryDown, int] = ActivityRef(
    "carry_down", CarryDown, int, timedelta(minutes=10),
    # Idempotent (a cancelled sub-task refuses again, a shift names its cause): a retry after
    # a crash does only what is still missing.
    RetryPolicy(maximum_interval=timedelta(minutes=1)), heartbeat=timedelta(minutes=1),
)
ACTIVITIES: tuple[ActivityRef[Any, Any], ...] = (
    RECORD_TASK_EVENT, TALLY_AND_BRIEF, SEND_EMAIL_DIGESTS, SIGNAL_OPEN_TASKS, OPEN_OCCURRENCES,
    CARRY_DOWN,
)
