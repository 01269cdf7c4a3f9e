"""What travels between the API, the task workflow and its activities.

Plain dataclasses (serialised by the pydantic data converter); no I/O, no SQL tables.
"""


from dataclasses import dataclass, field
from datetime import date, datetime

from domain.escalation import Recipient
from domain.lifecycle import Action, Relation, TaskState
from domain.task import Coordinator, Milestone, Product

TASK_WORKFLOW_PREFIX = "task-"


def workflow_id_for(task_id: str) -> str:
    return f"{TASK_WORKFLOW_PREFIX}{task_id}"


@dataclass
class Output:
    """The delivered product (e.g. "Báo cáo số 12/BC-UBND")."""

    description: str
    reference: str | None = None
    url: str | None = None


@dataclass
class ExtensionRequest:
    new_deadline: datetime
    reason: str
    requested_by: str
    requested_at: datetime


@dataclass
class TaskRecord:
    """A task's whole state as its workflow holds it (and carries over continue-as-new)."""

    id: str
    client_key: str
    request_hash: str
    title: str
    description: str
    basis: str
    lead_unit_id: str
    owner_id: str
    assigner_id: str
    product: Product
    deadline: datetime
    original_deadline: datetime
    created_at: datetime
    coordinators: list[Coordinator] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    state: TaskState = TaskState.ASSIGNED
    progress: int = 0
    accepted_at: datetime | None = None
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    paused_at: datetime | None = None
    cancelled_at: datetime | None = None
    resume_to: TaskState | None = None
    output: Output | None = None
    extension: ExtensionRequest | None = None
    overdue_reminders: int = 0
    flagged: bool = False
    seq: int = 0  # last event sequence number
    replanned_at: datetime | None = None  # ladder steps planned before this are skipped
    sent_steps: list[str] = field(default_factory=list)


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
class Command:
    """One action on a task, by one official; the API has already worked out `relations`."""

    action: Action
    actor_id: str
    relations: list[Relation]
    note: str | None = None
    percent: int | None = None
    output: Output | None = None
    new_deadline: datetime | None = None
    approve: bool | None = None
    new_owner_id: str | None = None
    new_lead_unit_id: str | None = None


@dataclass
class Notice:
    """Someone to notify: an official by id, or a role relative to the task."""

    kind: str  # assigned, reminder, overdue, escalation, event
    recipient_id: str | None = None
    recipient: Recipient | None = None


@dataclass
class EventRecord:
    seq: int
    at: datetime
    action: str  # a domain Action, or "remind" / "flag" for the engine's own steps
    actor_id: str | None
    from_state: TaskState | None
    to_state: TaskState
    note: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordInput:
    task: TaskRecord
    event: EventRecord
    notices: list[Notice] = field(default_factory=list)


@dataclass
class TallyRequest:
    period: str  # "2026-W48", "2026-11", …


@dataclass
class TallyOutcome:
    period: str
    briefings: list[int]  # Briefing ids, one per root unit
    corrections: int  # how many are new revisions of an earlier briefing of the period
