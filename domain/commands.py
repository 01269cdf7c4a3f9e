"""What each action does to a task. `validate` says whether it may happen (who, then when,
then every bad field at once); `apply` works out the new state, the event for the trail and
whom to tell. Pure: the task workflow calls them, holds the timers and writes through its
activity, so every rule here is tested without Temporal.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.authority import check_new_deadline, decide
from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError, FieldIssue, forbidden
from domain.escalation import Phase, PlannedStep, Recipient, raised_at_giao_ban
from domain.inputs import Add, check_text, instant_issue
from domain.lifecycle import Action, Relation, TaskState, check_transition, next_state
from domain.record import Command, EventRecord, ExtensionRequest, Notice, TaskRecord
from domain.ro import RO_THOI_GIAN
from domain.task import MAX_NOTE
from domain.timeliness import shift_after_pause
from domain.timezone import as_aware, to_local

# Reasons are required wherever someone refuses, stops or redirects work.
NEEDS_REASON = frozenset({
    Action.RETURN, Action.DECLINE, Action.PAUSE, Action.CANCEL, Action.REASSIGN,
    Action.REQUEST_EXTENSION, Action.HAND_OVER, Action.CHANGE_DEADLINE,
})
MAX_REFERENCE = 255
MAX_URL = 2_000
URL_SCHEMES = ("http://", "https://")
# A manual reminder (đôn đốc) at most once a day per task, so the owner is not flooded.
MANUAL_REMINDER_GAP = timedelta(hours=24)


@dataclass
class Change:
    """One accepted change: the task after it, its event, and whom to tell."""

    record: TaskRecord
    event: EventRecord
    notices: list[Notice] = field(default_factory=list)


# Validation -----------------------------------------------------------------------------------


def validate(record: TaskRecord, cmd: Command, now: datetime, *,
             principals: bool = True) -> None:
    """Raise the DomainError that refuses `cmd` on the task as it stands, or return None.
    `principals`: whether the submitter and the approver are compared with whom each acts
    for (False only when replaying a workflow recorded before that rule).

    FORBIDDEN and ILLEGAL_TRANSITION come first and alone (an outsider learns nothing about
    the fields); then one VALIDATION error names every bad field. Who the actor is to the task
    is decided here, on the task's own state (domain.authority). A request already taken
    (`repeated`) is not refused: it changes nothing."""
    if repeated(record, cmd):
        return
    cmd = authorised(record, cmd)
    check_transition(
        cmd.action, record.state, set(cmd.relations), resume_to=record.resume_to,
        has_pending_extension=record.extension is not None,
    )
    _check_approver(record, cmd, principals)
    _check_reminder_pace(record, cmd, now)
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(field_name, code, message, ro))

    if cmd.action in NEEDS_REASON:
        check_text(add, "reason", cmd.note, limit=MAX_NOTE, label="Lý do",
                   missing=("MISSING_REASON", "Cần nêu lý do."))
    elif cmd.note is not None:
        check_text(add, "note", cmd.note, limit=MAX_NOTE, label="Ghi chú")
    match cmd.action:
        case Action.REPORT_PROGRESS if cmd.percent is None or not 0 <= cmd.percent <= 100:
            add("percent", "INVALID_PERCENT", "", "Tiến độ phải từ 0 đến 100%.")
        case Action.SUBMIT:
            _check_output(cmd, add)
        case Action.REQUEST_EXTENSION:
            _check_extension(record, cmd, now, add)
        case Action.SHIFT_DEADLINE:
            _check_shift(record, cmd, add)
        case Action.CHANGE_DEADLINE:
            check_new_deadline(record.deadline, [m.due for m in record.milestones],
                               cmd.new_deadline, now, add)
        case Action.DECIDE_EXTENSION if cmd.approve is None:
            add("approve", "MISSING_DECISION", "", "Cần nêu đồng ý hay không.")
        case Action.REASSIGN | Action.HAND_OVER if not (cmd.new_owner_id or "").strip():
            add("ownerId", "MISSING_OWNER", "", "Thiếu người chịu trách nhiệm mới.")
    if issues:
        raise command_error(issues)


def repeated(record: TaskRecord, cmd: Command) -> bool:
    """A changeDeadline sent again — its actor's key and deadline those of the one that set the
    deadline in force (a retry after a lost answer): taken already, nothing to do."""
    return (cmd.action is Action.CHANGE_DEADLINE and cmd.request is not None
            and cmd.request == record.deadline_request and cmd.new_deadline == record.deadline)


def authorised(record: TaskRecord, cmd: Command) -> Command:
    """The command with the actor's relations as the task stands (domain.authority)."""
    relations, _ = decide(record.owner_id, record.assigner_id, record.lead_unit_id, cmd.org,
                          cmd.relations, cmd.on_behalf_of)
    return dataclasses.replace(cmd, relations=relations)


def command_error(issues: list[FieldIssue]) -> DomainError:
    """VALIDATION for an action: one bad field speaks for itself, several are summed up."""
    message = issues[0].message if len(issues) == 1 else "Thao tác chưa hợp lệ."
    return DomainError(Code.VALIDATION, message, list(issues))


def approval_refusal(*, approver_id: str, relations: Iterable[Relation],
                     submitted_by: str | None, self_assigned: bool,
                     approver_for: str | None = None,
                     submitted_for: str | None = None) -> str | None:
    """Why this official may not approve this product, or None: nobody approves his own work
    — not the one who submitted it, nor anyone for whom either acted as a substitute (a head
    submitting and his substitute approving "KT." for him, or the other way round); and a
    task someone assigned to himself only a leader above him."""
    submitter = {submitted_by, submitted_for} - {None}
    if submitter & {approver_id, approver_for}:
        return "Người nộp sản phẩm không được tự xác nhận hoàn thành."
    if self_assigned and Relation.ASSIGNER_SUPERIOR not in set(relations):
        return "Nhiệm vụ tự giao cho mình phải do lãnh đạo cấp trên xác nhận."
    return None


def _check_approver(record: TaskRecord, cmd: Command, principals: bool) -> None:
    if cmd.action is not Action.APPROVE:
        return
    why = approval_refusal(approver_id=cmd.actor_id, relations=cmd.relations,
                           submitted_by=record.submitted_by, self_assigned=record.self_assigned,
                           approver_for=cmd.on_behalf_of if principals else None,
                           submitted_for=record.submitted_for if principals else None)
    if why is not None:
        raise forbidden(why)


def next_manual_reminder(last: datetime | None, now: datetime) -> datetime | None:
    """When the task may be reminded by hand again, if not yet now."""
    if last is None or now - last >= MANUAL_REMINDER_GAP:
        return None
    return last + MANUAL_REMINDER_GAP


def _check_reminder_pace(record: TaskRecord, cmd: Command, now: datetime) -> None:
    """Đôn đốc once a day per task for each person who may remind (the Văn phòng reminding
    does not stop the phòng head); the refusal names who reminded last, and when."""
    mine = record.manual_reminders.get(cmd.actor_id)
    after = next_manual_reminder(mine, now)
    if cmd.action is not Action.REMIND or mine is None or after is None:
        return
    again = to_local(after)
    last = record.last_manual_reminder_at or mine
    by = record.last_manual_reminder_by or cmd.actor_name or cmd.actor_id
    raise DomainError(Code.RATE_LIMITED,
                      f"Đồng chí đã đôn đốc nhiệm vụ này lúc {to_local(mine):%H:%M ngày %d/%m/%Y}"
                      f"; mỗi người đôn đốc một nhiệm vụ một lần mỗi ngày, có thể đôn đốc lại "
                      f"sau {again:%H:%M ngày %d/%m/%Y}. Lần đôn đốc gần nhất: {by}, lúc "
                      f"{to_local(last):%H:%M ngày %d/%m/%Y}.")


def _check_output(cmd: Command, add: Add) -> None:
    out = cmd.output
    check_text(add, "output.description", out.description if out else None, limit=MAX_NOTE,
               label="Mô tả sản phẩm nộp",
               missing=("MISSING_OUTPUT", "Thiếu mô tả sản phẩm nộp."))
    if out is None:
        return
    if out.reference is not None:
        check_text(add, "output.reference", out.reference, limit=MAX_REFERENCE,
                   label="Số, ký hiệu văn bản")
    if out.url is not None:
        url = out.url.strip()
        if not url.lower().startswith(URL_SCHEMES) or len(url) > MAX_URL or any(
            c.isspace() for c in url
        ):
            add("output.url", "INVALID_URL", "",
                f"Đường dẫn phải bắt đầu bằng http:// hoặc https:// và không quá {MAX_URL} ký tự.")


def _check_extension(record: TaskRecord, cmd: Command, now: datetime, add: Add) -> None:
    wanted = cmd.new_deadline
    if wanted is None:
        add("newDeadline", "EXTENSION_NOT_LATER", RO_THOI_GIAN,
            "Thời hạn đề nghị phải sau thời hạn hiện tại.")
        return
    bad = instant_issue("newDeadline", wanted)
    if bad is not None:
        add(bad.field, bad.code, bad.ro, bad.message)
    elif wanted <= as_aware(now):
        add("newDeadline", "DEADLINE_IN_PAST", RO_THOI_GIAN, "Thời hạn đề nghị đã qua.")
    elif wanted <= record.deadline:
        add("newDeadline", "EXTENSION_NOT_LATER", RO_THOI_GIAN,
            "Thời hạn đề nghị phải sau thời hạn hiện tại.")


def _check_shift(record: TaskRecord, cmd: Command, add: Add) -> None:
    """A deadline carried down from a parent given more time only ever moves later."""
    wanted = cmd.new_deadline
    bad = instant_issue("newDeadline", wanted) if wanted is not None else None
    if bad is not None:
        add(bad.field, bad.code, bad.ro, bad.message)
    elif wanted is None or wanted <= record.deadline:
        add("newDeadline", "EXTENSION_NOT_LATER", RO_THOI_GIAN,
            "Thời hạn mới phải sau thời hạn hiện tại.")


# Effects --------------------------------------------------------------------------------------


def _event(t: TaskRecord, action: Action | str, actor_id: str | None,
           from_state: TaskState | None, now: datetime, note: str | None = None,
           data: dict[str, str] | None = None) -> EventRecord:
    t.seq += 1
    return EventRecord(seq=t.seq, at=now, action=str(action), actor_id=actor_id,
                       from_state=from_state, to_state=t.state, note=note, data=data or {})


def assigned(record: TaskRecord, now: datetime) -> Change:
    """The first event of every task: its assignment, told to its owner."""
    t = copy.deepcopy(record)
    t.replanned_at = t.replanned_at or t.created_at
    event = _event(t, Action.ASSIGN, t.assigner_id, None, now)
    return Change(t, event, [Notice("assigned", recipient=Recipient.OWNER),
                             Notice("assigned_below", recipient=Recipient.INTERMEDIATE_HEADS)])


def reminded(record: TaskRecord, step: PlannedStep, now: datetime) -> Change:
    """A step of the reminder ladder sent: counted, and past the threshold flagged."""
    t = copy.deepcopy(record)
    t.sent_steps.append(step.key)
    kind = "reminder"
    if step.phase is Phase.OVERDUE:
        t.overdue_reminders += 1
        kind = "escalation" if len(step.recipients) > 1 else "overdue"
        t.flagged = t.flagged or raised_at_giao_ban(t.overdue_reminders)
    data = {"step": step.days_label, "overdue_reminders": str(t.overdue_reminders),
            "flagged": str(t.flagged).lower()}
    event = _event(t, "remind", None, t.state, now, data=data)
    return Change(t, event, [Notice(kind, recipient=r) for r in step.recipients])


def apply(record: TaskRecord, cmd: Command, now: datetime, calendar: WorkingCalendar) -> Change:
    """The task after an already validated command, its event and whom to tell."""
    t = copy.deepcopy(record)
    from_state = t.state
    owner = [Notice("event", recipient=Recipient.OWNER)]
    assigner = [Notice("event", recipient=Recipient.ASSIGNER)]
    notices: list[Notice] = []
    match cmd.action:
        case Action.ACCEPT:
            t.accepted_at = t.accepted_at or now
            notices = assigner
        case Action.REPORT_PROGRESS:
            t.progress = cmd.percent or 0
            t.accepted_at = t.accepted_at or now
        case Action.SUBMIT:
            t.submitted_at = now
            t.submitted_by = cmd.actor_id
            t.submitted_for = cmd.on_behalf_of
            t.output = copy.deepcopy(cmd.output)
            t.progress = 100
            notices = assigner
        case Action.APPROVE:
            t.completed_at = now
            notices = owner
        case Action.RETURN:
            t.progress = min(t.progress, 90)
            t.returned_at = now
            t.submitted_by = None
            t.submitted_for = None
            notices = owner
        case Action.DECLINE:
            t.declined_at = now
            notices = assigner
        case Action.REQUEST_EXTENSION:
            assert cmd.new_deadline is not None
            t.extension = ExtensionRequest(cmd.new_deadline, cmd.note or "", cmd.actor_id, now)
            notices = assigner
        case Action.DECIDE_EXTENSION:
            assert t.extension is not None
            if cmd.approve:
                move_deadline(t, t.extension.new_deadline, now)
            t.extension = None
            notices = owner
        case Action.REASSIGN:
            t.owner_id = cmd.new_owner_id or t.owner_id
            t.lead_unit_id = cmd.new_lead_unit_id or t.lead_unit_id
            t.accepted_at = None
            t.progress = 0
            t.extension = None
            notices = [Notice("assigned", recipient=Recipient.OWNER)]
        case Action.PAUSE:
            t.paused_at = now
            t.resume_to = t.state
            notices = owner
        case Action.RESUME:
            assert t.paused_at is not None
            move_deadline(t, shift_after_pause(t.deadline, t.paused_at, now, calendar), now)
            t.paused_at = None
            notices = owner
        case Action.CANCEL:
            t.cancelled_at = now
            notices = owner
        case Action.REMIND:
            notices = [Notice(_remind_manually(t, now), recipient=Recipient.OWNER)]
            t.manual_reminders = {**t.manual_reminders, cmd.actor_id: now}
            t.last_manual_reminder_by = cmd.actor_name or cmd.actor_id
        case Action.SHIFT_DEADLINE | Action.CHANGE_DEADLINE:
            assert cmd.new_deadline is not None
            move_deadline(t, cmd.new_deadline, now)  # the ladder re-planned, as an extension's
            if cmd.action is Action.CHANGE_DEADLINE:
                t.extension = None
                t.deadline_request = cmd.request
            notices = owner
        case Action.HAND_OVER:  # the work goes on where it stood, with its new owner
            t.owner_id = cmd.new_owner_id or t.owner_id
            notices = [Notice("assigned", recipient=Recipient.OWNER)]
    t.state = next_state(cmd.action, from_state, resume_to=record.resume_to)
    if cmd.action is Action.RESUME:
        t.resume_to = None
    event = _event(t, cmd.action, cmd.actor_id or None, from_state, now, note=cmd.note,
                   data=event_data(cmd, record, t))
    return Change(t, event, notices)


def _remind_manually(t: TaskRecord, now: datetime) -> str:
    """A manual reminder counts with the engine's own: past the deadline it is one more
    overdue reminder, and past the threshold the task is raised at giao ban."""
    t.last_manual_reminder_at = now
    if now <= t.deadline:
        return "manual_reminder"
    t.overdue_reminders += 1
    t.flagged = t.flagged or raised_at_giao_ban(t.overdue_reminders)
    return "manual_overdue"


def move_deadline(t: TaskRecord, deadline: datetime, now: datetime) -> None:
    """A new deadline re-plans the ladder from now; the overdue count starts afresh."""
    if deadline != t.deadline:
        t.deadline = deadline
        t.replanned_at = now
        if deadline > now:
            t.overdue_reminders = 0
            t.flagged = False


def event_data(cmd: Command, before: TaskRecord | None = None,
               after: TaskRecord | None = None) -> dict[str, str]:
    """What the trail keeps of a command besides its note."""
    data: dict[str, str] = {}
    if cmd.action is Action.REMIND and after is not None:
        data |= {"manual": "true", "overdue_reminders": str(after.overdue_reminders),
                 "flagged": str(after.flagged).lower()}
    if cmd.on_behalf_of:
        data["on_behalf_of"] = cmd.on_behalf_of
    if cmd.cause:
        data["cause"] = cmd.cause
    if cmd.signed_as:
        data["signed_as"] = cmd.signed_as
    if cmd.action is Action.HAND_OVER and before is not None:
        data["previous_owner_id"] = before.owner_id
    if cmd.action is Action.CHANGE_DEADLINE and before is not None:
        data["previous_deadline"] = before.deadline.isoformat()
    if cmd.percent is not None:
        data["percent"] = str(cmd.percent)
    if cmd.new_deadline is not None:
        data["new_deadline"] = cmd.new_deadline.isoformat()
    if cmd.approve is not None:
        data["approve"] = str(cmd.approve).lower()
    if cmd.new_owner_id:
        data["new_owner_id"] = cmd.new_owner_id
    if cmd.new_lead_unit_id:
        data["new_lead_unit_id"] = cmd.new_lead_unit_id
    if cmd.output is not None:
        data["output"] = cmd.output.description
        if cmd.output.reference:
            data["output_reference"] = cmd.output.reference
    return data

