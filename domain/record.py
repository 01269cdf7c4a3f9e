"""A task's whole state as its workflow holds it, the command that changes it, and the event
each accepted change leaves in the trail.

Plain dataclasses: the workflow carries them (and Temporal serialises them), the pure rules in
`domain.commands` read and produce them. New fields always get a default, so histories recorded
by earlier versions still decode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.authority import OrgFacts
from domain.escalation import Recipient
from domain.lifecycle import Action, Relation, TaskState
from domain.task import Coordinator, Milestone, Product, TaskDraft


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
    """A task's whole state (carried over continue-as-new as it is)."""

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
    submitted_by: str | None = None  # who submitted the product now awaiting approval
    submitted_for: str | None = None  # whom the submitter acted for (he was a substitute)
    declined_at: datetime | None = None
    returned_at: datetime | None = None
    last_manual_reminder_at: datetime | None = None
    # Đôn đốc is once a day per task for each person who may remind: when each last did, and
    # who (by name, for the refusal) reminded last.
    manual_reminders: dict[str, datetime] = field(default_factory=dict)
    last_manual_reminder_by: str | None = None
    plan_id: str | None = None  # the plan (kế hoạch) that assigned it
    parent_id: str | None = None  # the task it was split from (a sub-task)
    rule_id: str | None = None  # the recurring duty (nhiệm vụ định kỳ) that gave it
    period: str | None = None  # and of which occurrence: "2026-11", "2026-12-05"
    # Its workflow carries cancellations and shifts down to its sub-tasks itself (durably);
    # False for workflows started before that, whose caller still does it.
    carries_down: bool = False
    # The request (actor and client key) that last set the deadline by changeDeadline: the
    # same request again changes nothing.
    deadline_request: str | None = None

    @property
    def self_assigned(self) -> bool:
        """Assigned by its own owner: approved by the next leader up, marked in scores."""
        return self.owner_id == self.assigner_id


def new_record(
    task_id: str, client_key: str, request_hash: str, draft: TaskDraft, assigner_id: str,
    deadline: datetime, now: datetime, **links: str | None,
) -> TaskRecord:
    """A validated draft as its task's first record; `links`: plan_id, parent_id, rule_id,
    period."""
    assert draft.product is not None
    return TaskRecord(
        id=task_id, client_key=client_key, request_hash=request_hash,
        title=draft.title.strip(), description=(draft.description or "").strip(),
        basis=(draft.basis or "").strip(), lead_unit_id=draft.lead_unit_id,
        owner_id=draft.owner_id, assigner_id=assigner_id, product=draft.product,
        deadline=deadline, original_deadline=deadline, created_at=now,
        coordinators=list(draft.coordinators), milestones=list(draft.milestones), **links,
    )


@dataclass
class Command:
    """One action on a task, by one official. `org`: the organisation's facts about him, which
    the workflow turns into his relations against its own state (domain.authority); without
    them (the engine's own commands) `relations` stand as given."""

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
    on_behalf_of: str | None = None  # the official the actor stands in for (a substitute)
    signed_as: str | None = None  # "KT. Chủ tịch UBND tỉnh", as the paper would read
    actor_name: str | None = None  # as people read it in a refusal ("Lê Văn Cường")
    org: OrgFacts | None = None
    # Carry an approved extension (or a carried-down shift) on to the open sub-tasks.
    shift_subtasks: bool = False
    cause: str | None = None  # the parent's event ("<task id>#<seq>") that carried it down
    client_key: str | None = None  # names one request of its actor (changeDeadline), retried

    @property
    def request(self) -> str | None:
        """The request this command is, when its actor named it (actor and client key)."""
        return f"{self.actor_id}\n{self.client_key}" if self.client_key else None


@dataclass
class Notice:
    """Someone to notify: an official by id, or a role relative to the task."""

    kind: str  # assigned, reminder, overdue, escalation, event
    recipient_id: str | None = None
    recipient: Recipient | None = None


@dataclass
class EventRecord:
    """One step of a task's trail: who did what, when, from which state, why."""

    seq: int
    at: datetime
    action: str  # a domain Action, or "remind" for the engine's own reminders
    actor_id: str | None
    from_state: TaskState | None
    to_state: TaskState
    note: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class CarryDown:
    """A change on a task to carry down to its open sub-tasks (domain.subtasks.carry_down)."""

    parent_id: str
    parent_title: str
    cause: str  # "<task id>#<seq>" of the parent's event: a retry finds what it already did
    action: Action  # CANCEL or SHIFT_DEADLINE
    actor_id: str
    relations: list[Relation]
    note: str | None = None
    old_deadline: datetime | None = None  # SHIFT_DEADLINE: the parent's deadline before
    new_deadline: datetime | None = None  # and after
