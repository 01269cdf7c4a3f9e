"""The first TaskWorkflow, frozen as it ran in production before the rules moved to
domain.commands (commit efa0743). Only tests use it: to start tasks on the old code and
finish them on the new (test_upgrade.py). Never change it."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import CalendarOverrides, WorkingCalendar
    from domain.errors import DomainError
    from domain.escalation import DEFAULT_POLICY, Phase, PlannedStep, Recipient, next_step
    from domain.lifecycle import (
        TERMINAL_STATES,
        WORKING_STATES,
        Action,
        TaskState,
        check_transition,
    )
    from domain.timeliness import shift_after_pause
    from workflows.contracts import (
        Command,
        EventRecord,
        ExtensionRequest,
        Notice,
        RecordInput,
        TaskRecord,
        TaskStart,
    )

RECORD_ACTIVITY = "record_task_event"
_RECORD_TIMEOUT = timedelta(seconds=30)
_RECORD_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
# Reasons are required wherever someone refuses, stops or redirects work.
_NEEDS_REASON = {
    Action.RETURN, Action.DECLINE, Action.PAUSE, Action.CANCEL, Action.REASSIGN,
    Action.REQUEST_EXTENSION,
}


def _refuse(err: DomainError) -> ApplicationError:
    details = [{"field": f.field, "code": f.code, "message": f.message} for f in err.fields]
    return ApplicationError(err.message, details, type=err.code, non_retryable=True)


def _invalid(message: str, field: str, code: str) -> ApplicationError:
    return ApplicationError(
        message, [{"field": field, "code": code, "message": message}],
        type="VALIDATION", non_retryable=True,
    )


@workflow.defn
class TaskWorkflow:
    @workflow.init
    def __init__(self, start: TaskStart) -> None:
        self.t: TaskRecord = start.record
        self.calendar = WorkingCalendar(
            CalendarOverrides.from_lists(
                start.calendar.extra_days_off, start.calendar.extra_working_days
            )
        )
        self.created = start.resumed
        self.replan = False

    # Reads ------------------------------------------------------------------------

    @workflow.query
    def view(self) -> TaskRecord:
        return self.t

    @workflow.update
    async def created(self) -> TaskRecord:
        """Answers once the assignment is recorded in the read model (idempotent assign)."""
        await workflow.wait_condition(lambda: self.created)
        return self.t

    # The main loop: the reminder ladder ------------------------------------------------

    @workflow.run
    async def run(self, start: TaskStart) -> TaskRecord:
        if not start.resumed:
            self.t.replanned_at = self.t.replanned_at or self.t.created_at
            await self._record(
                Action.ASSIGN, self.t.assigner_id, None, note=None,
                notices=[Notice("assigned", recipient=Recipient.OWNER)],
            )
            self.created = True
        turns = 0
        while self.t.state not in TERMINAL_STATES:
            turns += 1
            if self._should_continue_as_new(start, turns):
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self.t.state not in TERMINAL_STATES:
                    carried = dataclasses.replace(start, record=self.t, resumed=True)
                    workflow.continue_as_new(carried)
            wake_at: datetime | None = None
            if self.t.state in WORKING_STATES:
                decision = next_step(
                    DEFAULT_POLICY, self.calendar, self.t.deadline, workflow.now(),
                    set(self.t.sent_steps), self.t.replanned_at or self.t.created_at,
                )
                self.t.sent_steps.extend(s.key for s in decision.skipped)
                if decision.fire is not None:
                    await self._send_step(decision.fire)
                    continue  # look again at once: another step may be due
                wake_at = decision.wake_at
            # Paused, submitted or declined tasks wait silently for the next change.
            self.replan = False
            timeout = None
            if wake_at is not None:
                timeout = max(wake_at - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.replan or self.t.state in TERMINAL_STATES,
                    timeout=timeout,
                    timeout_summary="chờ bước nhắc việc tiếp theo",
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.t

    def _should_continue_as_new(self, start: TaskStart, turns: int) -> bool:
        if start.continue_as_new_after is not None and turns > start.continue_as_new_after:
            return True
        return workflow.info().is_continue_as_new_suggested()

    async def _send_step(self, step: PlannedStep) -> None:
        self.t.sent_steps.append(step.key)
        kind = "reminder"
        if step.phase is Phase.OVERDUE:
            self.t.overdue_reminders += 1
            kind = "escalation" if len(step.recipients) > 1 else "overdue"
            if step.flags:
                self.t.flagged = True
        await self._record(
            "remind", None, self.t.state, note=None,
            notices=[Notice(kind, recipient=r) for r in step.recipients],
            data={"step": step.days_label, "overdue_reminders": str(self.t.overdue_reminders),
                  "flagged": str(self.t.flagged).lower()},
        )

    # Writes -----------------------------------------------------------------------------

    async def _record(
        self,
        action: Action | str,
        actor_id: str | None,
        from_state: TaskState | None,
        *,
        note: str | None,
        notices: list[Notice],
        data: dict[str, str] | None = None,
    ) -> None:
        self.t.seq += 1
        event = EventRecord(
            seq=self.t.seq, at=workflow.now(), action=str(action), actor_id=actor_id,
            from_state=from_state, to_state=self.t.state, note=note, data=data or {},
        )
        await workflow.execute_activity(
            RECORD_ACTIVITY,
            RecordInput(task=self.t, event=event, notices=notices),
            start_to_close_timeout=_RECORD_TIMEOUT,
            retry_policy=_RECORD_RETRY,
        )

    @workflow.update
    async def act(self, cmd: Command) -> TaskRecord:
        from_state = self.t.state
        now = workflow.now()
        notices = self._apply(cmd, now)
        await self._record(cmd.action, cmd.actor_id, from_state, note=cmd.note, notices=notices,
                           data=self._event_data(cmd))
        self.replan = True
        return self.t

    @act.validator
    def validate_act(self, cmd: Command) -> None:
        if not self.created:
            raise ApplicationError("Nhiệm vụ đang được khởi tạo.", type="CONFLICT")
        try:
            check_transition(
                cmd.action, self.t.state, set(cmd.relations),
                resume_to=self.t.resume_to, has_pending_extension=self.t.extension is not None,
            )
        except DomainError as err:
            raise _refuse(err) from None
        if cmd.action in _NEEDS_REASON and not (cmd.note or "").strip():
            raise _invalid("Cần nêu lý do.", "reason", "MISSING_REASON")
        percent = cmd.percent if cmd.percent is not None else -1
        if cmd.action is Action.REPORT_PROGRESS and not 0 <= percent <= 100:
            raise _invalid("Tiến độ phải từ 0 đến 100%.", "percent", "INVALID_PERCENT")
        if cmd.action is Action.SUBMIT and (
            cmd.output is None or not cmd.output.description.strip()
        ):
            raise _invalid("Thiếu mô tả sản phẩm nộp.", "output.description", "MISSING_OUTPUT")
        if cmd.action is Action.REQUEST_EXTENSION and (
            cmd.new_deadline is None or cmd.new_deadline <= self.t.deadline
        ):
            raise _invalid(
                "Thời hạn đề nghị phải sau thời hạn hiện tại.", "newDeadline",
                "EXTENSION_NOT_LATER",
            )
        if cmd.action is Action.DECIDE_EXTENSION and cmd.approve is None:
            raise _invalid("Cần nêu đồng ý hay không.", "approve", "MISSING_DECISION")
        if cmd.action is Action.REASSIGN and not cmd.new_owner_id:
            raise _invalid("Thiếu người chịu trách nhiệm mới.", "ownerId", "MISSING_OWNER")

    def _apply(self, cmd: Command, now: datetime) -> list[Notice]:
        """Change the state for an already validated command; say whom to tell."""
        t = self.t
        new_state = check_transition(
            cmd.action, t.state, set(cmd.relations),
            resume_to=t.resume_to, has_pending_extension=t.extension is not None,
        )
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
                t.output = cmd.output
                t.progress = 100
                notices = assigner
            case Action.APPROVE:
                t.completed_at = now
                notices = owner
            case Action.RETURN:
                t.progress = min(t.progress, 90)
                notices = owner
            case Action.DECLINE:
                notices = assigner
            case Action.REQUEST_EXTENSION:
                assert cmd.new_deadline is not None
                t.extension = ExtensionRequest(cmd.new_deadline, cmd.note or "", cmd.actor_id, now)
                notices = assigner
            case Action.DECIDE_EXTENSION:
                assert t.extension is not None
                if cmd.approve:
                    self._move_deadline(t.extension.new_deadline, now)
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
                self._move_deadline(shift_after_pause(t.deadline, t.paused_at, now, self.calendar),
                                    now)
                t.paused_at = None
                t.resume_to = None
                notices = owner
            case Action.CANCEL:
                t.cancelled_at = now
                notices = owner
        t.state = new_state
        return notices

    def _move_deadline(self, deadline: datetime, now: datetime) -> None:
        """A new deadline re-plans the ladder from now; the overdue count starts afresh."""
        if deadline != self.t.deadline:
            self.t.deadline = deadline
            self.t.replanned_at = now
            if deadline > now:
                self.t.overdue_reminders = 0
                self.t.flagged = False

    @staticmethod
    def _event_data(cmd: Command) -> dict[str, str]:
        data: dict[str, str] = {}
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

