"""Sub-tasks: the head of a lead unit (or a leader over it) splits a task into sub-tasks for his
sub-units or officers. Each sub-task is a full task (six "rõ", its own workflow and ladder)
whose deadline is no later than its parent's. The parent is not submitted while a sub-task is
open unless its head gives a reason; cancelling it cancels its open sub-tasks; an approved
extension may shift them by as many working days.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from domain.calendar import WorkingCalendar
from domain.commands import command_error
from domain.errors import FieldIssue, forbidden, illegal_transition
from domain.lifecycle import STATE_LABELS_VI, WORKING_STATES, Action, Relation, TaskState
from domain.org import Actor, can_assign, is_within
from domain.record import CarryDown, Command, TaskRecord
from domain.ro import RO_NGUOI, RO_THAM_QUYEN, RO_THOI_GIAN
from domain.task import AUTHORITY_CODES, MAX_NOTE, raise_if_any
from domain.text import is_blank
from domain.timezone import local_date, to_local

MAX_DEPTH = 5  # levels below a task assigned directly (or by a plan)
MAX_PARTS = 50  # sub-tasks made in one split


@dataclass(frozen=True)
class Parent:
    """The task being split, as the rules see it."""

    id: str
    title: str
    state: TaskState
    lead_unit_path: tuple[str, ...]
    deadline: datetime
    depth: int  # 0 for a task with no parent


@dataclass(frozen=True)
class Part:
    """One sub-task as asked for: its lead unit's path (None: no such unit), its deadline once
    resolved (None: not resolvable), and the issues its own six-"rõ" validation found."""

    lead_unit_path: tuple[str, ...] | None
    deadline: datetime | None
    issues: Sequence[FieldIssue] = ()


def check_splitter(actor: Actor, parent: Parent, relations: Set[Relation]) -> None:
    """Who may split, and when: the head of the lead unit or a leader over it, while the task is
    being worked on (not submitted, paused, declined or closed), not too deep."""
    if Relation.LEAD_UNIT_HEAD not in relations and not can_assign(actor, parent.lead_unit_path):
        raise forbidden("Chỉ thủ trưởng đơn vị chủ trì hoặc lãnh đạo cấp trên mới được chia "
                        "nhiệm vụ thành nhiệm vụ con.")
    if parent.state not in WORKING_STATES:
        raise illegal_transition(f"Không thể chia nhiệm vụ khi nhiệm vụ đang ở trạng thái "
                                 f"“{STATE_LABELS_VI[parent.state]}”.")
    if parent.depth + 1 > MAX_DEPTH:
        raise illegal_transition(f"Nhiệm vụ chỉ được chia tối đa {MAX_DEPTH} cấp.")


def check_parts(parent: Parent, parts: Sequence[Part]) -> None:
    """Every part inside the lead unit (its sub-units or officers) and due no later than the
    parent, on top of its own six "rõ"; one error names every fault, with its part (row)."""
    issues: list[FieldIssue] = []
    if not parts:
        issues.append(FieldIssue("parts", "MISSING_PARTS", "Cần ít nhất một nhiệm vụ con."))
    elif len(parts) > MAX_PARTS:
        issues.append(FieldIssue("parts", "TOO_MANY_PARTS",
                                 f"Chia tối đa {MAX_PARTS} nhiệm vụ con một lần."))
    for i, part in enumerate(parts[:MAX_PARTS]):
        where, row = f"parts[{i}]", i + 1
        lead = parent.lead_unit_path[-1]
        outside = part.lead_unit_path is not None and not is_within(part.lead_unit_path, lead)
        # Outside the lead unit says more than "no authority" over that unit.
        issues += [FieldIssue(f"{where}.{f.field}", f.code, f.message, f.ro, row)
                   for f in part.issues if not (outside and f.code in AUTHORITY_CODES)]
        if outside:
            issues.append(FieldIssue(
                f"{where}.leadUnitId", "SUBTASK_OUTSIDE_LEAD_UNIT",
                "Nhiệm vụ con chỉ giao cho đơn vị chủ trì của nhiệm vụ hoặc đơn vị trực thuộc.",
                RO_NGUOI, row))
        if part.deadline is not None and part.deadline > parent.deadline:
            issues.append(FieldIssue(
                f"{where}.deadline", "SUBTASK_AFTER_PARENT",
                f"Hạn của nhiệm vụ con không được sau hạn của nhiệm vụ "
                f"({to_local(parent.deadline):%d/%m/%Y}).", RO_THOI_GIAN, row))
    raise_if_any(issues, "Nhiệm vụ con")


def submit_refusal(open_subtasks: int, relations: Set[Relation]) -> str | None:
    """Why this official may not submit a task with open sub-tasks, or None: only its lead
    unit's head submits it (with a reason)."""
    # Not his to submit at all is for the task itself to refuse.
    if open_subtasks and Relation.OWNER in relations and Relation.LEAD_UNIT_HEAD not in relations:
        return (f"Còn {open_subtasks} nhiệm vụ con chưa hoàn thành: chỉ thủ trưởng đơn "
                f"vị chủ trì được nộp sản phẩm, kèm lý do.")
    return None


def check_submit(open_subtasks: int, relations: Set[Relation], note: str | None) -> None:
    """A task with open sub-tasks is submitted only by its lead unit's head, with a reason."""
    why = submit_refusal(open_subtasks, relations)
    if why is not None:
        raise forbidden(why)
    if open_subtasks and Relation.LEAD_UNIT_HEAD in relations and is_blank(note):
        raise command_error([FieldIssue(
            "note", "OPEN_SUBTASKS",
            f"Còn {open_subtasks} nhiệm vụ con chưa hoàn thành: cần nêu lý do khi nộp sản phẩm.",
            RO_THAM_QUYEN)])


def subtask_basis(given: str | None, parent_basis: str | None) -> str | None:
    """A sub-task rests on its parent's basis unless it names its own."""
    return given if not is_blank(given) else parent_basis


def carried_relations(parent_relations: Set[Relation]) -> list[Relation]:
    """A change ordered on a task carries to its sub-tasks with the authority it had there:
    who may cancel a task, or grant it more time, may do the same to what was split from it."""
    if parent_relations & {Relation.ASSIGNER, Relation.ASSIGNER_SUPERIOR}:
        return [Relation.ASSIGNER_SUPERIOR]
    return []


def cascade_note(verb: str, parent_title: str, reason: str | None) -> str:
    """The note a sub-task's trail keeps of a change carried down from its parent."""
    note = f"{verb} theo nhiệm vụ cấp trên “{parent_title}”"
    note = f"{note}: {reason}" if reason else f"{note}."
    return note if len(note) <= MAX_NOTE else note[: MAX_NOTE - 1] + "…"


def shifted_deadline(deadline: datetime, old_parent: datetime, new_parent: datetime,
                     calendar: WorkingCalendar) -> datetime:
    """A sub-task's deadline after its parent's moved from `old_parent` to `new_parent`: later by
    as many working days, at the same time of day, never after the parent's new deadline."""
    days = calendar.working_days_between(local_date(old_parent), local_date(new_parent))
    if days <= 0:
        return deadline
    local = to_local(deadline)
    day = calendar.add_working_days(local.date(), days)
    return min(local.replace(year=day.year, month=day.month, day=day.day), new_parent)


def carry_down(before: TaskRecord, after: TaskRecord, cmd: Command) -> CarryDown | None:
    """What an accepted command carries down to the task's open sub-tasks: a cancellation
    always; a later deadline when the one who granted it asked for it (or it was itself
    carried down)."""
    cause = f"{after.id}#{after.seq}"
    relations = carried_relations(set(cmd.relations))
    if after.state is TaskState.CANCELLED and before.state is not TaskState.CANCELLED:
        return CarryDown(after.id, after.title, cause, Action.CANCEL, cmd.actor_id, relations,
                         note=cmd.note)
    if cmd.shift_subtasks and after.deadline > before.deadline:
        return CarryDown(after.id, after.title, cause, Action.SHIFT_DEADLINE, cmd.actor_id,
                         relations, old_deadline=before.deadline, new_deadline=after.deadline)
    return None


def carried_command(req: CarryDown, child_deadline: datetime, calendar: WorkingCalendar
                    ) -> Command | None:
    """The command a carried-down change gives one open sub-task (None: nothing to do)."""
    if req.action is Action.CANCEL:
        return Command(Action.CANCEL, req.actor_id, list(req.relations),
                       note=cascade_note("Hủy", req.parent_title, req.note), cause=req.cause)
    assert req.old_deadline is not None and req.new_deadline is not None
    target = shifted_deadline(child_deadline, req.old_deadline, req.new_deadline, calendar)
    if target <= child_deadline:
        return None
    return Command(Action.SHIFT_DEADLINE, req.actor_id, list(req.relations),
                   note=cascade_note("Dời hạn", req.parent_title, None), new_deadline=target,
                   shift_subtasks=True, cause=req.cause)
