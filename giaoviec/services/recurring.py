"""Recurring duties: created (validated whole, idempotent on a client key), paused, resumed and
ended — each recorded in the rule's trail — and run by a Temporal Schedule of their own that
starts RecurringRunWorkflow every morning at 06:00 (Asia/Ho_Chi_Minh).

The rule in the database is what counts: a run creates nothing for a rule that is not active.
Pausing, resuming and ending record the rule's new state first, then pause, unpause or delete
its Schedule (a note in Temporal's UI says why). Should that second step fail (Temporal away:
UNAVAILABLE), the same action again is accepted though the rule is already there — nothing is
recorded twice — and sets the Schedule again; meanwhile a Schedule left awake wakes, finds the
rule paused or ended and opens nothing. `giaoviec schedules` brings every rule's Schedule in
line with the database (made again if lost, paused or awake as the rule is, deleted once it
ended), so one left paused for an active rule by a failed resume wakes again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import Code, DomainError, FieldIssue, conflict, forbidden, not_found
from domain.inputs import check_client_key
from domain.recurrence import (
    OPENS_AT,
    RuleDraft,
    check_rule,
    describe,
    duplicates,
    duty_key,
    from_json,
    to_json,
)
from domain.ro import RO_VIEC
from domain.rule_state import can_manage_rule, next_rule_state
from domain.timezone import TIME_ZONE, local_date
from giaoviec.reads.org import actor_of, load_actor, org_facts, unit_heads, viewer_for
from giaoviec.reads.recurring import readable_rule
from giaoviec.services.schedules import ensure_schedule
from giaoviec.services.tasks import TaskService
from giaoviec.services.temporal_away import reaching_temporal
from giaoviec.store.db import session_scope
from giaoviec.store.duties import RuleDutyClaim
from giaoviec.store.models import Official, RecurringRule, RecurringRuleEvent, Unit
from workflows.contracts import RecurringRun
from workflows.recurring import RecurringRunWorkflow

SCHEDULE_PREFIX = "giaoviec-recurring-"


PAUSED_NOTE = "Nhiệm vụ định kỳ đang tạm dừng"


def schedule_id(rule_id: str) -> str:
    return f"{SCHEDULE_PREFIX}{rule_id}"


class ScheduleChange(StrEnum):
    """What bringing a rule's Schedule in line did."""

    MADE = "made"
    PAUSED = "paused"
    RESUMED = "resumed"
    REMOVED = "removed"


class Scheduler(Protocol):
    """What runs a rule's occurrences: a Temporal Schedule in life; in tests on the
    time-skipping server (which has no Schedules), the test itself."""

    async def install(self, rule_id: str, title: str) -> None: ...
    async def remove(self, rule_id: str) -> None: ...
    async def set_paused(self, rule_id: str, paused: bool, note: str) -> None: ...


@dataclass
class TemporalScheduler:
    client: Client
    task_queue: str

    def schedule(self, rule_id: str, title: str, paused: bool = False) -> Schedule:
        """Every morning at 06:00: a run opens whatever falls due that day (and catches up
        what a stopped system missed), so the calendar of the rule lives in domain.recurrence,
        not in the Schedule."""
        return Schedule(
            action=ScheduleActionStartWorkflow(
                RecurringRunWorkflow.run, RecurringRun(rule_id), id=f"recurring-run-{rule_id}",
                task_queue=self.task_queue,
            ),
            spec=ScheduleSpec(
                calendars=[ScheduleCalendarSpec(
                    hour=[ScheduleRange(OPENS_AT.hour)], minute=[ScheduleRange(OPENS_AT.minute)],
                    comment=f"Nhiệm vụ định kỳ: {title}"[:200],
                )],
                time_zone_name=TIME_ZONE,
            ),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                                  catchup_window=timedelta(days=1)),
            state=ScheduleState(paused=paused, note=PAUSED_NOTE if paused else None),
        )

    async def install(self, rule_id: str, title: str, *, run_now: bool = True,
                      paused: bool = False) -> None:
        """Create the rule's Schedule or bring it in line (asleep for a paused rule);
        `run_now`: open today's occurrences at once rather than at the next 06:00."""
        await ensure_schedule(self.client, schedule_id(rule_id),
                              self.schedule(rule_id, title, paused))
        if run_now:
            await self.client.get_schedule_handle(schedule_id(rule_id)).trigger()

    async def remove(self, rule_id: str) -> None:
        try:
            await self.client.get_schedule_handle(schedule_id(rule_id)).delete()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise

    async def sync(self, rule_id: str, title: str, state: str) -> ScheduleChange | None:
        """Bring the rule's Schedule in line with its state in the database, which is what
        counts: active → there and awake, paused → there and asleep, ended → gone. Its
        definition is renewed too; returns what changed besides, if anything."""
        handle = self.client.get_schedule_handle(schedule_id(rule_id))
        if state == "ended":
            try:
                await handle.delete()
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                return None
            return ScheduleChange.REMOVED
        paused = state == "paused"
        try:
            was_paused: bool | None = (await handle.describe()).schedule.state.paused
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            was_paused = None
        if await ensure_schedule(self.client, schedule_id(rule_id),
                                 self.schedule(rule_id, title, paused)):
            return ScheduleChange.MADE
        if was_paused is None:  # made meanwhile by another: as it is now
            was_paused = (await handle.describe()).schedule.state.paused
        if was_paused == paused:
            return None
        # Set explicitly: ensure_schedule keeps a pause it finds (an operator's, elsewhere).
        await self.set_paused(rule_id, paused, PAUSED_NOTE if paused else "Tiếp tục")
        return ScheduleChange.PAUSED if paused else ScheduleChange.RESUMED

    async def set_paused(self, rule_id: str, paused: bool, note: str) -> None:
        """A paused duty's Schedule sleeps (the note shows in Temporal's UI); should it be
        missing, `giaoviec schedules` makes it again."""
        handle = self.client.get_schedule_handle(schedule_id(rule_id))
        try:
            await (handle.pause(note=note) if paused else handle.unpause(note=note))
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise


def rule_hash(draft: RuleDraft) -> str:
    text = json.dumps(asdict(draft), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RecurringService:
    tasks: TaskService
    scheduler: Scheduler

    async def create(self, creator_id: str, client_key: str, draft: RuleDraft, *,
                     now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        key = check_client_key(client_key)
        rule = await asyncio.to_thread(self._record, creator_id, key, draft, now)
        with reaching_temporal(retry_safe=True):  # the same key again installs it, once
            await self.scheduler.install(rule.id, rule.title)
        return rule.id

    def _record(self, creator_id: str, key: str, draft: RuleDraft, now: datetime
                ) -> RecurringRule:
        digest = rule_hash(draft)
        with session_scope(self.tasks.engine) as session:
            creator = load_actor(session, creator_id)
            found = _by_key(session, creator.id, key)
            if found is None:
                heads = [next(iter(unit_heads(session, u)), None) for u in draft.unit_ids]
                facts = [org_facts(session, u, h or "") for u, h in zip(draft.unit_ids, heads,
                                                                        strict=True)]
                check_rule(draft, creator, facts, heads, self.tasks.calendar, now)
                refuse_duplicate(session, draft)
                unit = session.get(Unit, creator.unit_id)
                assert unit is not None
        if found is not None:
            if found.request_hash != digest:
                raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ định kỳ "
                               "khác.")
            return found
        rule = new_rule(draft, creator.id, unit.path, key, digest, now)
        try:
            with session_scope(self.tasks.engine) as session:
                add_rule(session, rule, creator.id, now)
        except IntegrityError:  # a concurrent twin of this request, or of this duty
            with session_scope(self.tasks.engine) as session:
                twin = _by_key(session, creator.id, key)
                if twin is None:
                    refuse_duplicate(session, draft)  # the rule that claimed the duty first
            if twin is None:
                raise
            return twin
        return rule

    # Each records the rule's new state, then sets its Schedule; a rule already there (the
    # same action again, after Temporal was away) records nothing and sets the Schedule again.
    async def pause(self, actor_id: str, rule_id: str, reason: str, *,
                    now: datetime | None = None) -> None:
        await asyncio.to_thread(self._change, actor_id, rule_id, "pause", reason, now)
        with reaching_temporal(repeat_safe=True):
            await self.scheduler.set_paused(rule_id, True, reason.strip()[:200])

    async def resume(self, actor_id: str, rule_id: str, *, now: datetime | None = None) -> None:
        await asyncio.to_thread(self._change, actor_id, rule_id, "resume", None, now)
        with reaching_temporal(repeat_safe=True):
            await self.scheduler.set_paused(rule_id, False, "Tiếp tục")

    async def end(self, actor_id: str, rule_id: str, reason: str, *,
                  now: datetime | None = None) -> None:
        await asyncio.to_thread(self._change, actor_id, rule_id, "end", reason, now)
        with reaching_temporal(repeat_safe=True):
            await self.scheduler.remove(rule_id)

    def _change(self, actor_id: str, rule_id: str, action: str, reason: str | None,
                now: datetime | None) -> None:
        """Pause, resume or end: by the rule's creator or a leader above him, recorded in the
        rule's trail (domain.rule_state.next_rule_state) — unless the rule is already there."""
        now = now or datetime.now(UTC)
        with session_scope(self.tasks.engine) as session:
            actor = load_actor(session, actor_id)
            viewer = viewer_for(session, actor_id)
            # A rule the actor may not read is as unknown to him as one that does not exist.
            rule = readable_rule(session, viewer, rule_id) if viewer else None
            creator = session.get(Official, rule.creator_id) if rule else None
            if rule is None or creator is None:
                raise not_found("Không tìm thấy nhiệm vụ định kỳ.")
            if not can_manage_rule(actor, actor_of(session, creator)):
                raise forbidden("Chỉ người lập hoặc lãnh đạo cấp trên mới được tạm dừng, tiếp "
                                "tục hoặc kết thúc nhiệm vụ định kỳ.")
            after = next_rule_state(rule.state, action, reason)
            if after is None:
                return
            rule.state = after
            if action == "end":
                rule.ended_at = now
                release_claims(session, rule.id)
            session.add(rule)
            session.add(RecurringRuleEvent(rule_id=rule.id, at=now, actor_id=actor.id,
                                           action=action, note=(reason or "").strip() or None))


def refuse_duplicate(session: Session, draft: RuleDraft, row: int | None = None) -> None:
    """CONFLICT naming the live rule that already gives these units this duty on this
    calendar (domain.recurrence.duplicates); `row`: the plan's row the draft comes from."""
    for rule in session.exec(select(RecurringRule).where(RecurringRule.state != "ended")
                             .order_by(col(RecurringRule.created_at))).all():
        shared = duplicates(draft, rule.title, json.loads(rule.unit_ids),
                            from_json(rule.recurrence))
        if shared:
            creator = session.get(Official, rule.creator_id)
            names = ", ".join(sorted(u.name for u in session.exec(
                select(Unit).where(col(Unit.id).in_(shared))).all()))
            raise DomainError(Code.CONFLICT, (
                f"Đã có nhiệm vụ định kỳ “{rule.title}” ({describe(from_json(rule.recurrence))}) "
                f"giao cho {names}, do {creator.full_name if creator else rule.creator_id} lập "
                f"ngày {local_date(rule.created_at):%d/%m/%Y}; không lập trùng."),
                [FieldIssue("unitIds", "DUPLICATE_RULE", f"Trùng nhiệm vụ định kỳ mã {rule.id}.",
                            RO_VIEC, row)])


def add_rule(session: Session, rule: RecurringRule, actor_id: str, now: datetime) -> None:
    """Record a new rule, its creation in its trail, and its claim on the duty for each of its
    units: a live rule already giving one of them the same duty (domain.recurrence.duty_key),
    even one recorded a moment ago by a concurrent request, makes this IntegrityError."""
    session.add(rule)
    session.flush()
    key = duty_key(rule.title, from_json(rule.recurrence))
    for unit_id in json.loads(rule.unit_ids):
        session.add(RuleDutyClaim(unit_id=unit_id, duty_key=key, rule_id=rule.id))
    session.add(RecurringRuleEvent(rule_id=rule.id, at=now, actor_id=actor_id, action="create"))
    session.flush()


def release_claims(session: Session, rule_id: str) -> None:
    """An ended rule gives its duty up: the same duty may be set again."""
    for claim in session.exec(select(RuleDutyClaim).where(RuleDutyClaim.rule_id == rule_id)):
        session.delete(claim)


def new_rule(draft: RuleDraft, creator_id: str, creator_unit_path: str, key: str, digest: str,
             now: datetime, plan_id: str | None = None) -> RecurringRule:
    """The rule as recorded; `plan_id`: the plan whose row it is."""
    assert draft.product_kind is not None and draft.product_description is not None
    return RecurringRule(
        id=uuid.uuid4().hex, creator_id=creator_id, creator_unit_path=creator_unit_path,
        client_key=key, request_hash=digest, title=draft.title.strip(),
        description=(draft.description or "").strip(), basis=(draft.basis or "").strip(),
        product_kind=draft.product_kind.strip(),
        product_description=draft.product_description.strip(),
        product_measure=draft.product_measure, recurrence=to_json(draft.recurrence),
        unit_ids=json.dumps(list(draft.unit_ids)), starts_on=draft.starts_on,
        ends_on=draft.ends_on, created_at=now, plan_id=plan_id,
    )


def _by_key(session: Session, creator_id: str, key: str) -> RecurringRule | None:
    return session.exec(select(RecurringRule).where(RecurringRule.creator_id == creator_id,
                                                    RecurringRule.client_key == key)).first()
