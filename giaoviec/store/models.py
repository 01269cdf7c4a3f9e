"""The read model: SQL tables that activities write and the API reads.

Temporal holds each task's lifecycle; these rows are its projection, kept current by the
workflow's activities, plus the organisation (units, officials) and notifications.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.org import path_ids
from giaoviec.store import task_indexes as ix
from giaoviec.store.completed_counts import CompletedCount as CompletedCount  # its table
from giaoviec.store.db import UTCDateTime
from giaoviec.store.public_ids import PUBLIC_ID_MAX, new_public_id


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(index: bool = False, nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), index=index, nullable=nullable)


class Unit(SQLModel, table=True):
    """Đơn vị: a node of the organisation tree."""

    # A subtree's units are `path LIKE '/p/u/%'` (which tasks a jurisdiction coordinates:
    # giaoviec.reads.visibility.coordinated_by): on PostgreSQL only a pattern-ops index serves
    # LIKE; it serves equality too.
    __table_args__ = (Index("ix_unit_path", "path",
                            postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=255)
    kind: str = Field(max_length=32)  # province, office, department, commune, division…
    parent_id: str | None = Field(default=None, foreign_key="unit.id", index=True, max_length=64)
    # Materialised path "/root/…/self/": subtree questions become one indexed LIKE.
    path: str = Field(max_length=2000)  # ix_unit_path
    code: str | None = Field(default=None, max_length=32)
    sort_order: int = 0
    # The unit a People's Committee names to track its tasks, remind and prepare its weekly
    # briefing ("để theo dõi, tổng hợp"); None: its Văn phòng (domain.org.tracking_unit).
    tracking_unit_id: str | None = Field(default=None, foreign_key="unit.id", index=True,
                                         max_length=64)

    @property
    def path_ids(self) -> tuple[str, ...]:
        return path_ids(self.path)


class Official(SQLModel, table=True):
    """Cán bộ, công chức: belongs to one unit, holds roles."""

    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(unique=True, index=True, max_length=128)
    full_name: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=255)  # chức vụ
    email: str | None = Field(default=None, max_length=255)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    roles: str = Field(default="officer", max_length=255)  # space-separated domain.org.Role
    active: bool = True

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()


class Task(SQLModel, table=True):
    """Nhiệm vụ: the current state of one task, as its workflow last recorded it."""

    __table_args__ = ix.TASK_INDEXES

    id: str = Field(primary_key=True, max_length=64)
    client_key: str = Field(max_length=255)
    request_hash: str = Field(default="", max_length=64)  # tells a true retry from a reused key
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    basis: str | None = Field(default=None, max_length=500)
    state: str = Field(index=True, max_length=32)
    lead_unit_id: str = Field(foreign_key="unit.id", max_length=64)  # ix_task_unit_deadline
    lead_unit_path: str = Field(max_length=2000)
    owner_id: str = Field(foreign_key="official.id", max_length=64)  # ix_task_owner_counts
    assigner_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    product_kind: str | None = Field(default=None, max_length=255)
    product_description: str | None = Field(default=None, sa_column=Column(Text))
    product_measure: str | None = Field(default=None, sa_column=Column(Text))
    progress: int = 0
    deadline: datetime = Field(sa_column=_ts(index=True, nullable=False))
    original_deadline: datetime = Field(sa_column=_ts(nullable=False))
    created_at: datetime = Field(sa_column=_ts(index=True, nullable=False))
    updated_at: datetime = Field(sa_column=_ts(nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=_ts())
    submitted_at: datetime | None = Field(default=None, sa_column=_ts())
    completed_at: datetime | None = Field(default=None, sa_column=_ts(index=True))
    paused_at: datetime | None = Field(default=None, sa_column=_ts())
    cancelled_at: datetime | None = Field(default=None, sa_column=_ts())
    output_description: str | None = Field(default=None, sa_column=Column(Text))
    output_reference: str | None = Field(default=None, max_length=255)
    output_url: str | None = Field(default=None, max_length=2000)
    extension_requested_deadline: datetime | None = Field(default=None, sa_column=_ts())
    extension_reason: str | None = Field(default=None, sa_column=Column(Text))
    submitted_by: str | None = Field(default=None, max_length=64)
    declined_at: datetime | None = Field(default=None, sa_column=_ts())
    returned_at: datetime | None = Field(default=None, sa_column=_ts())
    overdue_reminders: int = 0
    flagged: bool = Field(default=False, index=True)  # raised by name at giao ban
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    version: int = 0  # the last event seq applied; older writes never overwrite newer ones
    # "01 xuyên suốt": the plan that assigned it, the task it was split from.
    plan_id: str | None = Field(default=None, index=True, max_length=64)
    parent_id: str | None = Field(default=None, index=True, max_length=64)
    rule_id: str | None = Field(default=None, index=True, max_length=64)  # recurring duty
    period: str | None = Field(default=None, max_length=16)  # its occurrence: "2026-11"


class TaskRequest(SQLModel, table=True):
    """An assignment request as its client named it: the same assigner and client key always
    mean the same task, whose id is random (nobody outside can guess it)."""

    assigner_id: str = Field(foreign_key="official.id", primary_key=True, max_length=64)
    client_key: str = Field(primary_key=True, max_length=255)
    task_id: str = Field(max_length=64, unique=True)
    request_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class TaskCoordinator(SQLModel, table=True):
    """Đơn vị phối hợp with its stated duty."""

    task_id: str = Field(foreign_key="task.id", primary_key=True, max_length=64)
    unit_id: str = Field(foreign_key="unit.id", primary_key=True, index=True, max_length=64)
    duty: str = Field(sa_column=Column(Text, nullable=False))


class TaskMilestone(SQLModel, table=True):
    """Mốc tiến độ."""

    task_id: str = Field(foreign_key="task.id", primary_key=True, max_length=64)
    position: int = Field(primary_key=True)
    title: str = Field(max_length=500)
    due: date


class TaskEvent(SQLModel, table=True):
    """The append-only trail of a task: who did what, when, from which state, why."""

    __table_args__ = (UniqueConstraint("task_id", "seq", name="uq_task_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(foreign_key="task.id", index=True, max_length=64)
    seq: int
    at: datetime = Field(sa_column=_ts(index=True, nullable=False))
    actor_id: str | None = Field(default=None, foreign_key="official.id", max_length=64)
    action: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    note: str | None = Field(default=None, sa_column=Column(Text))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class Notification(SQLModel, table=True):
    """An in-app notification; e-mailed in a digest when SMTP is configured."""

    __table_args__ = (
        UniqueConstraint("recipient_id", "dedup_key", name="uq_notification_dedup"),
        Index("ix_notification_unmailed", "emailed_at", "recipient_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    task_id: str | None = Field(default=None, foreign_key="task.id", index=True, max_length=64)
    kind: str = Field(max_length=32)  # assigned, reminder, overdue, escalation, event…
    title: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    dedup_key: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=_ts(index=True, nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=_ts())
    emailed_at: datetime | None = Field(default=None, sa_column=_ts())


class TallySnapshot(SQLModel, table=True):
    """One unit's kiểm đếm for one period, as computed: kept so weeks and months compare.

    A recomputation that changes nothing writes nothing; one that changes something is a new
    revision (a correction), and the earlier revision stays."""

    __table_args__ = (
        UniqueConstraint("period", "unit_id", "revision", name="uq_tally_period_unit_rev"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(index=True, max_length=16)
    unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    revision: int = 1
    as_of: datetime = Field(sa_column=_ts(nullable=False))
    computed_at: datetime = Field(sa_column=_ts(nullable=False))
    own: str = Field(sa_column=Column(Text, nullable=False))  # Figures as JSON
    rolled: str = Field(sa_column=Column(Text, nullable=False))  # with descendants, as JSON
    flagged_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    pending_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    # Every list of domain.tally.TaskLists as JSON (flagged, pending extensions, awaiting
    # approval, declined); "{}" in snapshots stored before the lists were kept together.
    lists: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}",
                                                      server_default="{}"))


class Briefing(SQLModel, table=True):
    """Báo cáo kiểm đếm for giao ban, one per unit holding giao ban, period and revision; the
    API and URLs name it by public_id only (the key is sequential). What it says is kept in its
    directory as data.json when made; files are rendered from that on first request and kept."""

    __table_args__ = (
        UniqueConstraint("period", "root_unit_id", "revision", name="uq_briefing_rev"),
        # One number once in an issuing unit's yearly register (drafts have none: NULL).
        UniqueConstraint("issuer_unit_id", "register_year", "register_number",
                         name="uq_briefing_register"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, unique=True, index=True,
                           max_length=PUBLIC_ID_MAX)
    period: str = Field(index=True, max_length=16)
    root_unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    revision: int = 1
    as_of: datetime = Field(sa_column=_ts(nullable=False))
    generated_at: datetime = Field(sa_column=_ts(nullable=False))
    number: str = Field(max_length=64)  # số/ký hiệu, e.g. "15/BC-UBND"
    directory: str = Field(max_length=1000)  # relative to the data directory
    content_hash: str | None = Field(default=None, max_length=64)  # same: no new revision
    # Draft ("DỰ THẢO", no number) until issued: numbered once in the issuing unit's register,
    # then frozen. A correction after issue is a new document naming the one it corrects.
    issuer_unit_id: str | None = Field(default=None, foreign_key="unit.id", max_length=64)
    issued_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    issued_by_id: str | None = Field(default=None, foreign_key="official.id", max_length=64)
    register_year: int | None = None
    register_number: int | None = None
    corrects_id: int | None = Field(default=None, foreign_key="briefing.id")

    @property
    def is_draft(self) -> bool:
        return self.issued_at is None


class DocumentCounter(SQLModel, table=True):
    """An issuing unit's register of documents for a year (số văn bản restarts at 1 each year)."""

    unit_id: str = Field(foreign_key="unit.id", primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)  # "BC" báo cáo, …
    last: int = 0


class CalendarOverride(SQLModel, table=True):
    """A day the Government made off or working for a year (administered; the file
    GIAOVIEC_CALENDAR_FILE adds its own on top)."""

    day: date = Field(primary_key=True)
    working: bool  # True: an extra working day (a Saturday swapped); False: an extra day off
    note: str = Field(default="", max_length=500)
    set_by: str = Field(max_length=64)
    set_at: datetime = Field(sa_column=_ts(nullable=False))


class Plan(SQLModel, table=True):
    """Kế hoạch: one document that assigns many tasks to many units (domain.plan)."""

    __table_args__ = (UniqueConstraint("issuer_id", "client_key", name="uq_plan_client_key"),)

    id: str = Field(primary_key=True, max_length=64)
    issuer_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    entered_by_id: str | None = Field(None, foreign_key="official.id", max_length=64)  # nhập thay
    issuer_unit_id: str = Field(foreign_key="unit.id", index=True, max_length=64)
    issuer_unit_path: str = Field(max_length=2000)
    client_key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    number: str = Field(max_length=64)
    issued_on: date | None = None
    subject: str = Field(max_length=500)
    basis: str | None = Field(default=None, max_length=500)
    # A cascade: the task (of a higher plan) whose product this plan is; one plan per task.
    fulfils_task_id: str | None = Field(default=None, unique=True, max_length=64)
    task_count: int = 0
    created_at: datetime = Field(sa_column=_ts(index=True, nullable=False))
    # "Theo yêu cầu" products, no day to hold anyone to: JSON of plan_terms.UntrackedProduct.
    untracked: str | None = Field(default=None, sa_column=Column(Text))


class PlanTask(SQLModel, table=True):
    """A task a plan assigns, claimed before its workflow starts: its row in the plan and the
    record it starts with, so a retry after a crash starts exactly the same task."""

    plan_id: str = Field(foreign_key="plan.id", primary_key=True, max_length=64)
    row: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    unit_id: str = Field(primary_key=True, max_length=64)
    task_id: str = Field(unique=True, max_length=64)
    record: str = Field(sa_column=Column(Text, nullable=False))  # TaskRecord as JSON


class Substitution(SQLModel, table=True):
    """Người thay: who stands in for an official, from when to when (both days included)."""

    id: int | None = Field(default=None, primary_key=True)
    official_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    substitute_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    starts_on: date
    ends_on: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(foreign_key="official.id", max_length=64)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=_ts())
    cancelled_by: str | None = Field(default=None, foreign_key="official.id", max_length=64)


class SubstitutionDay(SQLModel, table=True):
    """One day an official has a substitute: the primary key makes "one substitute a day" hold
    in the database, whatever requests run at once. Freed when the substitution is cancelled."""

    __tablename__ = "substitution_day"

    official_id: str = Field(foreign_key="official.id", primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    substitution_id: int = Field(foreign_key="substitution.id", index=True)


class HandOver(SQLModel, table=True):
    """An open task whose owner left its lead unit (deactivated or moved by an import), to be
    handed to the unit's head: recorded by the import, done by the task's workflow."""

    task_id: str = Field(foreign_key="task.id", primary_key=True, max_length=64)
    from_official_id: str = Field(foreign_key="official.id", primary_key=True, max_length=64)
    reason: str = Field(max_length=32)  # deactivated | moved
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    to_official_id: str | None = Field(default=None, foreign_key="official.id", max_length=64)
    done_at: datetime | None = Field(default=None, sa_column=_ts(index=True))


class RecurringRule(SQLModel, table=True):
    """Nhiệm vụ định kỳ: a rule that gives a set of units a normal task every period
    (domain.recurrence), run by a Temporal Schedule of its own."""

    __table_args__ = (UniqueConstraint("creator_id", "client_key", name="uq_rule_client_key"),)

    id: str = Field(primary_key=True, max_length=64)
    creator_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    creator_unit_path: str = Field(max_length=2000)
    client_key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    title: str = Field(max_length=500)
    description: str = Field(sa_column=Column(Text, nullable=False))
    basis: str = Field(max_length=500)
    product_kind: str = Field(max_length=500)
    product_description: str = Field(sa_column=Column(Text, nullable=False))
    product_measure: str | None = Field(default=None, sa_column=Column(Text))
    recurrence: str = Field(sa_column=Column(Text, nullable=False))  # domain.recurrence JSON
    unit_ids: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    starts_on: date
    ends_on: date | None = None
    state: str = Field(default="active", max_length=16)  # active | paused | ended
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_ts())
    # A plan's row whose term is periodic ("Hằng tuần"): the plan it belongs to.
    plan_id: str | None = Field(default=None, foreign_key="plan.id", index=True, max_length=64)


class RecurringRuleEvent(SQLModel, table=True):
    """The trail of a recurring duty: created, paused, resumed, ended; an occurrence skipped."""

    __table_args__ = (UniqueConstraint("rule_id", "dedup_key", name="uq_rule_event_dedup"),)

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(foreign_key="recurringrule.id", index=True, max_length=64)
    at: datetime = Field(sa_column=_ts(nullable=False))
    actor_id: str | None = Field(default=None, foreign_key="official.id", max_length=64)
    action: str = Field(max_length=16)  # create | pause | resume | end | skip
    note: str | None = Field(default=None, sa_column=Column(Text))
    dedup_key: str | None = Field(default=None, max_length=255)  # a skip, once per task

