"""A task's record as the read model last had it: the answer once its workflow is gone (closed
past the namespace's retention), e.g. for a retried assignment with the same client key."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.errors import not_found
from domain.lifecycle import TaskState
from domain.record import ExtensionRequest, Output, TaskRecord
from domain.task import Coordinator, Milestone, Product
from giaoviec.store.models import Task, TaskCoordinator, TaskMilestone


def recorded(session: Session, task_id: str) -> TaskRecord:
    row = session.get(Task, task_id)
    if row is None:
        raise not_found("Không tìm thấy nhiệm vụ.")
    coordinators = session.exec(select(TaskCoordinator).where(
        TaskCoordinator.task_id == task_id)).all()
    milestones = session.exec(select(TaskMilestone).where(TaskMilestone.task_id == task_id)
                              .order_by(col(TaskMilestone.position))).all()
    extension = None
    if row.extension_requested_deadline is not None:
        extension = ExtensionRequest(row.extension_requested_deadline,
                                     row.extension_reason or "", row.owner_id, row.updated_at)
    output = None
    if row.output_description is not None:
        output = Output(row.output_description, row.output_reference, row.output_url)
    return TaskRecord(
        id=row.id, client_key=row.client_key, request_hash=row.request_hash, title=row.title,
        description=row.description or "", basis=row.basis or "",
        lead_unit_id=row.lead_unit_id, owner_id=row.owner_id, assigner_id=row.assigner_id,
        product=Product(row.product_kind or "", row.product_description or "",
                        row.product_measure),
        deadline=row.deadline, original_deadline=row.original_deadline,
        created_at=row.created_at,
        coordinators=[Coordinator(c.unit_id, c.duty) for c in coordinators],
        milestones=[Milestone(m.title, m.due) for m in milestones],
        state=TaskState(row.state), progress=row.progress, accepted_at=row.accepted_at,
        submitted_at=row.submitted_at, completed_at=row.completed_at,
        paused_at=row.paused_at, cancelled_at=row.cancelled_at, output=output,
        extension=extension, overdue_reminders=row.overdue_reminders, flagged=row.flagged,
        seq=row.version, submitted_by=row.submitted_by, declined_at=row.declined_at,
        returned_at=row.returned_at, plan_id=row.plan_id, parent_id=row.parent_id,
        rule_id=row.rule_id, period=row.period,
    )
