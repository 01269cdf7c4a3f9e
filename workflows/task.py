"""TaskWorkflow: one durable workflow per assigned task, from assignment until accepted or
cancelled. It holds the task's state and the reminder ladder's timers; what an action may do
and what it changes is `domain.commands`; every accepted change is written to the read model
by an activity before the caller hears back, so a query right after a mutation sees it.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import CalendarOverrides, WorkingCalendar
    from domain.commands import Change, apply, assigned, reminded, validate
    from domain.errors import Code, DomainError
    from domain.escalation import DEFAULT_POLICY, next_step
    from domain.lifecycle import TERMINAL_STATES, WORKING_STATES, Action
    from domain.milestones import MILESTONE_PATCH, milestone_reminded, next_milestone_step
    from workflows.contracts import (
        RECORD_TASK_EVENT,
        CalendarConfig,
        Command,
        RecordInput,
        TaskRecord,
        TaskStart,
        to_failure,
    )

# The read-model write runs as a local activity (one workflow task instead of two, no trip
# through the activity queue: an assignment answers in half the time). Histories recorded
# before this ran it as an ordinary activity, and still replay that way.
LOCAL_RECORD_PATCH = "read-model-local-activity"
# Approval compares the submitter and the approver with whom each acts for (a substitute):
# histories recorded before judged people alone, and must replay as they ran.
APPROVAL_PRINCIPALS_PATCH = "approval-compares-principals"


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
        self.calendar_config = start.calendar
        self.created = start.resumed
        self.replan = False
        self.wake_at: datetime | None = None

    # Reads ------------------------------------------------------------------------

    @workflow.query
    def view(self) -> TaskRecord:
        return self.t

    @workflow.query
    def next_reminder_at(self) -> datetime | None:
        """When the reminder ladder next looks at the task (None: nothing planned)."""
        return self.wake_at

    @workflow.signal
    def calendar_changed(self, config: CalendarConfig) -> None:
        """The working calendar's overrides changed: re-plan the ladder on the new one."""
        self.calendar_config = config
        self.calendar = WorkingCalendar(
            CalendarOverrides.from_lists(config.extra_days_off, config.extra_working_days))
        self.replan = True

    @workflow.update
    async def created(self) -> TaskRecord:
        """Answers once the assignment is recorded in the read model (idempotent assign)."""
        await workflow.wait_condition(lambda: self.created)
        return self.t

    # The main loop: the reminder ladder ------------------------------------------------

    @workflow.run
    async def run(self, start: TaskStart) -> TaskRecord:
        if not start.resumed:
            await self._commit(assigned(self.t, workflow.now()))
            self.created = True
        turns = 0
        while self.t.state not in TERMINAL_STATES:
            turns += 1
            if self._should_continue_as_new(start, turns):
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self.t.state not in TERMINAL_STATES:
                    carried = dataclasses.replace(start, record=self.t, resumed=True,
                                                  calendar=self.calendar_config)
                    workflow.continue_as_new(carried)
            wake_at: datetime | None = None
            if self.t.state in WORKING_STATES:
                decision = next_step(
                    DEFAULT_POLICY, self.calendar, self.t.deadline, workflow.now(),
                    set(self.t.sent_steps), self.t.replanned_at or self.t.created_at,
                )
                self.t.sent_steps.extend(s.key for s in decision.skipped)
                if decision.fire is not None:
                    await self._fire(reminded(self.t, decision.fire, workflow.now()),
                                     decision.fire.key)
                    continue  # look again at once: another step may be due
                wake_at = decision.wake_at
                if self.t.milestones and workflow.patched(MILESTONE_PATCH):
                    fired, wake_at = await self._milestones(wake_at)
                    if fired:
                        continue  # look again at once: another step may be due
            # Paused, submitted or declined tasks wait silently for the next change.
            self.wake_at = wake_at
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

    async def _milestones(self, wake_at: datetime | None) -> tuple[bool, datetime | None]:
        """Remind the next milestone if one is due (True), else say when to look again."""
        decision = next_milestone_step(
            self.t.milestones, self.calendar, workflow.now(), set(self.t.sent_steps),
            self.t.replanned_at or self.t.created_at,
        )
        self.t.sent_steps.extend(s.key for s in decision.skipped)
        if decision.fire is not None:
            await self._fire(milestone_reminded(self.t, decision.fire, workflow.now()),
                             decision.fire.key)
            return True, wake_at
        times = [w for w in (wake_at, decision.wake_at) if w is not None]
        return False, min(times) if times else None

    def _should_continue_as_new(self, start: TaskStart, turns: int) -> bool:
        if start.continue_as_new_after is not None and turns > start.continue_as_new_after:
            return True
        return workflow.info().is_continue_as_new_suggested()

    # Writes -----------------------------------------------------------------------------

    async def _fire(self, change: Change, step_key: str) -> None:
        """Send a due reminder step. Should recording it fail (logged), the step is given up,
        never looped on."""
        try:
            await self._commit(change)
        except ApplicationError:
            self.t.sent_steps.append(step_key)

    async def _commit(self, change: Change) -> None:
        """Take the change at once (a concurrent update sees it), then write it. Should the
        activity refuse it as bad data, the change is undone and the caller is refused: no
        input can wedge the task."""
        before = self.t
        self.t = change.record
        inp = RecordInput(change.record, change.event, change.notices)
        try:
            if workflow.patched(LOCAL_RECORD_PATCH):
                await RECORD_TASK_EVENT.run_local(inp)
            else:  # as workflows recorded before the patch ran it
                await RECORD_TASK_EVENT.run(inp)
        except (ActivityError, ApplicationError) as err:
            # An ordinary activity's failure arrives as ActivityError (the activity's error its
            # cause); a local activity's as the activity's own ApplicationError.
            if self.t is change.record:
                self.t = before
            workflow.logger.error("task %s: event %s not recorded: %s", before.id,
                                  change.event.seq, err.cause or err)
            raise to_failure(DomainError(
                Code.VALIDATION, "Dữ liệu không ghi được, thao tác không được thực hiện.",
            )) from None

    @workflow.update
    async def act(self, cmd: Command) -> TaskRecord:
        now = workflow.now()
        try:  # again: an update delivered with this one may have changed the task since
            principals = cmd.action is not Action.APPROVE or workflow.patched(
                APPROVAL_PRINCIPALS_PATCH)
            validate(self.t, cmd, now, principals=principals)
        except DomainError as err:
            raise to_failure(err) from None
        await self._commit(apply(self.t, cmd, now, self.calendar))
        self.replan = True
        return self.t

    @act.validator
    def validate_act(self, cmd: Command) -> None:
        if not self.created:
            raise ApplicationError("Nhiệm vụ đang được khởi tạo.", type=Code.CONFLICT)
        try:
            validate(self.t, cmd, workflow.now())
        except DomainError as err:
            raise to_failure(err) from None
