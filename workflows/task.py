"""TaskWorkflow: one durable workflow per assigned task, from assignment until accepted or
cancelled. It holds the task's state and the reminder ladder's timers; what an action may do
and what it changes is `domain.commands`; every accepted change is written to the read model
by an activity before the caller hears back, so a query right after a mutation sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import CalendarOverrides, WorkingCalendar
    from domain.commands import (
        Change,
        apply,
        assigned,
        authorised,
        reminded,
        repeated,
        validate,
    )
    from domain.errors import Code, DomainError, unavailable
    from domain.escalation import DEFAULT_POLICY, born_overdue, next_step
    from domain.lifecycle import TERMINAL_STATES, WORKING_STATES, Action
    from domain.milestones import MILESTONE_PATCH, milestone_reminded, next_milestone_step
    from domain.subtasks import carry_down
    from workflows.contracts import (
        CARRY_DOWN,
        RECORD_ATTEMPT,
        RECORD_RETRY_BOUNDED,
        RECORD_TASK_EVENT,
        CalendarConfig,
        Command,
        RecordInput,
        TaskRecord,
        TaskStart,
        refused_as_bad_data,
        to_failure,
    )

# The read-model write runs as a local activity (one workflow task instead of two, no trip
# through the activity queue: an assignment answers in half the time). Histories recorded
# before this ran it as an ordinary activity, and still replay that way.
LOCAL_RECORD_PATCH = "read-model-local-activity"
# Approval compares the submitter and the approver with whom each acts for (a substitute):
# histories recorded before judged people alone, and must replay as they ran.
APPROVAL_PRINCIPALS_PATCH = "approval-compares-principals"
# One change at a time: each update (and each ladder step) validates, applies and records
# under one lock, and the change becomes the workflow's state only once the read model has it
# — a refused or failed write leaves nothing behind, and the task never ends on a final
# write that failed. The read-model write is retried a bounded number of times
# (RECORD_RETRY_BOUNDED); past that the database is away and the change is refused as
# UNAVAILABLE (nothing changed; safe to retry).
# Histories recorded before this took the change first and undid it on failure.
SERIAL_PATCH = "serial-updates"
# A cancellation or a shifted deadline is carried down to the open sub-tasks by the task's own
# workflow, as an activity its update waits for (before, the API process did it after the
# update, and a crash in between left them unchanged for good).
CARRY_DOWN_PATCH = "carry-down-in-workflow"
# A task assigned already overdue (a signed plan keyed in after one of its terms) gets one
# overdue notice at once, then the ladder counted from its assignment; before, every step it
# missed was skipped and the next weekly one came with the count of all of them.
OVERDUE_AT_START_PATCH = "overdue-at-start"
# Histories recorded before SERIAL_PATCH take each change at once and write it afterwards, with
# nothing to keep two changes apart: a reminder the ladder fires as an update arrives is
# written while the update's change is taken on top of it. Once the reminder's write came
# back, it put the task back as it was under the reminder — the update acknowledged, then
# lost. Now a change taken since stands (it was built on this one).
LATER_CHANGE_STANDS_PATCH = "later-change-stands"
# While the read model is away the ladder (and the first write) look again this much later.
RETRY_AFTER = timedelta(minutes=1)


class _Unavailable(Exception):
    """The read model did not answer in time (the ladder waits and looks again)."""


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
        self.lock = asyncio.Lock()
        self.start_unavailable = False  # the first write found the read model away
        self.retry_start = False  # a retried assign asks to try the first write again now

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
        """Answers once the assignment is recorded in the read model (idempotent assign). With
        the read model away it answers UNAVAILABLE; a retry has the first write tried again at
        once and answers its outcome."""
        if self.start_unavailable:
            self.retry_start = True
            await workflow.wait_condition(lambda: not self.start_unavailable)
        await workflow.wait_condition(lambda: self.created or self.start_unavailable)
        if not self.created:
            raise to_failure(unavailable())
        return self.t

    # The main loop: the reminder ladder ------------------------------------------------

    @workflow.run
    async def run(self, start: TaskStart) -> TaskRecord:
        if not self.t.carries_down and workflow.patched(CARRY_DOWN_PATCH):
            self.t.carries_down = True
        if not start.resumed:
            while True:
                try:
                    await self._commit(assigned(self.t, workflow.now()))
                    break
                except ApplicationError as err:
                    if err.type != Code.UNAVAILABLE:
                        raise
                    self.start_unavailable = True  # a waiting assign hears it; retry later
                    self.retry_start = False
                    with contextlib.suppress(TimeoutError):
                        await workflow.wait_condition(lambda: self.retry_start,
                                                      timeout=RETRY_AFTER)
                    self.start_unavailable = False
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
            try:
                async with self._serial():
                    fired, wake_at = await self._ladder()
            except _Unavailable:
                await workflow.sleep(RETRY_AFTER)
                continue
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

    def _serial(self) -> contextlib.AbstractAsyncContextManager[object]:
        """The lock every change takes (histories recorded before SERIAL_PATCH took none)."""
        if workflow.patched(SERIAL_PATCH):
            return self.lock
        return contextlib.nullcontext()

    async def _ladder(self) -> tuple[bool, datetime | None]:
        """Send the reminder step due now, if any (True), else say when to look again."""
        if self.t.state not in WORKING_STATES:
            return False, None
        decision = next_step(
            DEFAULT_POLICY, self.calendar, self.t.deadline, workflow.now(),
            set(self.t.sent_steps), self.t.replanned_at or self.t.created_at,
            self._overdue_from(),
        )
        self.t.sent_steps.extend(s.key for s in decision.skipped)
        if decision.fire is not None:
            await self._fire(reminded(self.t, decision.fire, workflow.now()),
                             decision.fire.key)
            return True, None
        wake_at = decision.wake_at
        if self.t.milestones and workflow.patched(MILESTONE_PATCH):
            return await self._milestones(wake_at)
        return False, wake_at

    def _overdue_from(self) -> datetime | None:
        """When the ladder's overdue steps count from for a task assigned already overdue."""
        t = self.t
        if born_overdue(t.deadline, t.created_at, t.replanned_at) and workflow.patched(
                OVERDUE_AT_START_PATCH):
            return t.created_at
        return None

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
        never looped on; with the read model away it is sent once it is back."""
        try:
            await self._commit(change)
        except ApplicationError as err:
            if err.type == Code.UNAVAILABLE:
                raise _Unavailable() from None
            self.t.sent_steps.append(step_key)

    async def _commit(self, change: Change) -> None:
        """Write the change to the read model, and take it. Should the activity refuse it as
        bad data, or the database stay away, the caller is refused and the task is as it was:
        no input can wedge the task."""
        serial = workflow.patched(SERIAL_PATCH)
        before = self.t
        if not serial:  # as histories recorded before SERIAL_PATCH: take it first
            self.t = change.record
        inp = RecordInput(change.record, change.event, change.notices)
        try:
            if serial:
                await RECORD_TASK_EVENT.run_local(inp, attempt=RECORD_ATTEMPT,
                                                  retry=RECORD_RETRY_BOUNDED)
            elif workflow.patched(LOCAL_RECORD_PATCH):
                await RECORD_TASK_EVENT.run_local(inp)
            else:  # as workflows recorded before the patch ran it
                await RECORD_TASK_EVENT.run(inp)
        except (ActivityError, ApplicationError) as err:
            # An ordinary activity's failure arrives as ActivityError (the activity's error its
            # cause); a local activity's as the activity's own ApplicationError.
            if not serial and self.t is change.record:
                self.t = before
            workflow.logger.error("task %s: event %s not recorded: %s", before.id,
                                  change.event.seq, err.cause or err)
            if serial and not refused_as_bad_data(err):
                raise to_failure(unavailable()) from None
            raise to_failure(DomainError(
                Code.VALIDATION, "Dữ liệu không ghi được, thao tác không được thực hiện.",
            )) from None
        if serial or self.t is change.record or not workflow.patched(LATER_CHANGE_STANDS_PATCH):
            self.t = change.record

    @workflow.update
    async def act(self, cmd: Command) -> TaskRecord:
        async with self._serial():
            now = workflow.now()
            try:  # again: an update delivered with this one may have changed the task since
                principals = cmd.action is not Action.APPROVE or workflow.patched(
                    APPROVAL_PRINCIPALS_PATCH)
                cmd = authorised(self.t, cmd)
                validate(self.t, cmd, now, principals=principals)
            except DomainError as err:
                raise to_failure(err) from None
            if repeated(self.t, cmd):  # a retried changeDeadline already taken
                return self.t
            before = self.t
            await self._commit(apply(self.t, cmd, now, self.calendar))
            self.replan = True
            after = self.t
        # Outside the lock: the sub-tasks' own updates may take a while; the task itself is
        # done, and run() does not end before this handler has.
        carried = carry_down(before, after, cmd) if after.carries_down else None
        if carried is not None:
            await CARRY_DOWN.run(carried)
        return after

    @act.validator
    def validate_act(self, cmd: Command) -> None:
        if not self.created:
            raise ApplicationError("Nhiệm vụ đang được khởi tạo.", type=Code.CONFLICT)
        try:
            validate(self.t, cmd, workflow.now())
        except DomainError as err:
            raise to_failure(err) from None
