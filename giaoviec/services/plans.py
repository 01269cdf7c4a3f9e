"""Creating a plan and all its tasks in one step.

Every row is validated first (`domain.plan.validate_plan`, pure): one fault anywhere and
nothing is created. Then, in one transaction, the plan and each task's first record are
recorded under client keys derived from the plan's (so the plan is claimed once); only then do
the tasks' workflows start, each idempotently. A crash half-way is completed by a retry of the
same request, which starts exactly the recorded tasks that are not yet running, never others.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.errors import (
    Code,
    DomainError,
    FieldIssue,
    conflict,
    forbidden,
    validation_error,
)
from domain.inputs import check_client_key
from domain.org import Actor, may_enter_for
from domain.plan import (
    PlanDraft,
    PlannedTask,
    check_plan,
    request_digest,
    task_client_key,
    with_named,
)
from domain.plan_limits import check_size
from domain.record import TaskRecord, new_record
from giaoviec.reads.org import Viewer, load_actor, tracking_unit_of
from giaoviec.reads.plans import plan_by_client_key, plan_facts, plan_rules, unstarted_records
from giaoviec.reads.tally import home_briefing_unit
from giaoviec.services.plan_files import (
    MAX_FILE_BYTES,
    Resolved,
    Sheet,
    file_error,
    read_document,
    read_sheet,
    resolve,
    with_rows,
)
from giaoviec.services.recurring import (
    Scheduler,
    add_rule,
    new_rule,
    refuse_duplicate,
    rule_hash,
)
from giaoviec.services.tasks import TaskService, new_task_id, request_hash
from giaoviec.services.temporal_away import reaching_temporal
from giaoviec.services.xlsx_rows import off_loop
from giaoviec.store.db import session_scope
from giaoviec.store.models import (
    Notification,
    Official,
    Plan,
    PlanTask,
    RecurringRule,
    TaskRequest,
    Unit,
)

RECORDS = TypeAdapter(TaskRecord)
PARALLEL_STARTS = 8


def plan_hash(draft: PlanDraft) -> str:
    return request_digest(json.dumps(asdict(draft), sort_keys=True, default=str,
                                     ensure_ascii=False))


@dataclass
class PlanService:
    tasks: TaskService
    # Runs the plan's recurring duties; without one (tests) they wait for `giaoviec schedules`.
    scheduler: Scheduler | None = None

    async def create(
        self, issuer_id: str, client_key: str, draft: PlanDraft, *, now: datetime | None = None,
        named: list[FieldIssue] | None = None, entered_by: str | None = None,
    ) -> str:
        """The plan's id, once every one of its tasks is assigned and in the read model.
        `issuer_id` signs it (his authority is checked); `entered_by`, when another keys it in
        for him (nhập thay, `may_enter_for`). `named`: names in a file that matched nothing,
        refused with the plan's other faults."""
        now = now or datetime.now(UTC)
        key = check_client_key(client_key)
        # Before hashing, looking up or validating anything: the counts alone may refuse it.
        check_size(len(draft.items), [(len(i.lead_unit_ids), len(i.products))
                                      for i in draft.items])
        digest = plan_hash(draft)
        plan_id, records = await asyncio.to_thread(
            self._prepare, issuer_id, key, digest, draft, now, named or [], entered_by)
        with reaching_temporal(retry_safe=True):  # a retry starts and installs what is left
            await self._start_all(records)
            if self.scheduler is not None:  # again on a retry: installing is idempotent
                with session_scope(self.tasks.engine) as session:
                    rules = [(r.id, r.title) for r in plan_rules(session, plan_id)]
                for rule_id, title in rules:
                    await self.scheduler.install(rule_id, title)
        return plan_id

    async def import_file(
        self, issuer_id: str, client_key: str, filename: str, data: bytes, *,
        now: datetime | None = None, fulfils_task_id: str | None = None,
        entered_by: str | None = None,
    ) -> str:
        """A plan from an XLSX sheet, or YAML/JSON with the fields of createPlan; it may say
        which task (of a higher plan) it fulfils."""
        suffix = Path(filename or "").suffix.lower()
        if len(data) > MAX_FILE_BYTES:
            raise file_error("FILE_TOO_LARGE",
                             f"Tệp kế hoạch quá {MAX_FILE_BYTES // 1024} KB.")
        if suffix == ".xlsx":
            sheet = await off_loop(read_sheet, data)  # bounded, and never on the event loop
            resolved = await asyncio.to_thread(self._resolve, issuer_id, sheet)
            draft = replace(resolved.draft, fulfils_task_id=fulfils_task_id)
            try:
                return await self.create(issuer_id, client_key, draft, now=now,
                                         named=resolved.issues, entered_by=entered_by)
            except DomainError as err:
                raise with_rows(err) from None
        if suffix in (".yaml", ".yml", ".json"):
            draft = await off_loop(read_document, data, suffix)
            if fulfils_task_id:
                draft = replace(draft, fulfils_task_id=fulfils_task_id)
            return await self.create(issuer_id, client_key, draft, now=now,
                                     entered_by=entered_by)
        raise file_error("UNSUPPORTED_FORMAT", "Chỉ nhận tệp .xlsx, .yaml, .yml hoặc .json.")

    def _resolve(self, issuer_id: str, sheet: Sheet) -> Resolved:
        with session_scope(self.tasks.engine) as session:
            actor = load_actor(session, issuer_id)
            return resolve(session, actor.unit_id, sheet)

    def _prepare(
        self, issuer_id: str, key: str, digest: str, draft: PlanDraft, now: datetime,
        named: list[FieldIssue], entered_by: str | None = None,
    ) -> tuple[str, list[TaskRecord]]:
        """Claim the plan and record its tasks (or find the earlier claim): the tasks still to
        start."""
        engine = self.tasks.engine
        with session_scope(engine) as session:
            actor = load_actor(session, issuer_id)
            entrant = _entrant(session, entered_by, actor)
            found = plan_by_client_key(session, actor.id, key)
            if found is None:
                try:
                    valid = check_plan(draft, actor, plan_facts(session, draft, actor),
                                       self.tasks.calendar, now)
                except DomainError as err:
                    raise with_named(named, err) from None
                if named:
                    raise validation_error(named, "Kế hoạch")
                for rule in valid.rules:  # a periodic row some rule already gives the unit
                    refuse_duplicate(session, rule.draft, rule.row)
                issuer_unit = session.get(Unit, actor.unit_id)
                assert issuer_unit is not None
        if found is not None:
            return self._retry(found, digest)
        plan = Plan(
            id=uuid.uuid4().hex, issuer_id=actor.id, issuer_unit_id=issuer_unit.id,
            issuer_unit_path=issuer_unit.path, client_key=key, request_hash=digest,
            entered_by_id=entrant.id if entrant else None,
            number=draft.number.strip(), issued_on=draft.issued_on,
            subject=draft.subject.strip(), basis=(draft.basis or "").strip() or None,
            fulfils_task_id=draft.fulfils_task_id, task_count=len(valid.tasks), created_at=now,
            untracked=json.dumps([asdict(u) for u in valid.untracked], ensure_ascii=False)
            if valid.untracked else None,
        )
        planned = valid.tasks
        records = [self._record(plan.id, actor.id, p, now) for p in planned]
        rules = [new_rule(r.draft, actor.id, issuer_unit.path,
                          f"{task_client_key(plan.id, r.row, r.position, r.unit_id)}:rule",
                          rule_hash(r.draft), now, plan_id=plan.id) for r in valid.rules]
        try:
            with session_scope(engine) as session:
                session.add(plan)
                session.flush()
                for p, r in zip(planned, records, strict=True):
                    session.add(PlanTask(plan_id=plan.id, row=p.row, position=p.position,
                                         unit_id=p.unit_id, task_id=r.id,
                                         record=RECORDS.dump_json(r).decode()))
                    session.add(TaskRequest(assigner_id=actor.id, client_key=r.client_key,
                                            task_id=r.id, request_hash=r.request_hash,
                                            created_at=now))
                self._add_rules(session, rules, actor.id, now)
                if entrant is not None:
                    session.add(_entered_notice(plan, entrant, now))
        except IntegrityError:  # a concurrent twin claimed the plan first
            with session_scope(engine) as session:
                twin = plan_by_client_key(session, actor.id, key)
                for rule in valid.rules if twin is None else ():
                    # a concurrent request gave one of these units the same duty meanwhile
                    refuse_duplicate(session, rule.draft, rule.row)
            if twin is None:  # another plan was linked to the same task meanwhile
                raise conflict("Nhiệm vụ này đã có kế hoạch thực hiện.") from None
            return self._retry(twin, digest)
        return plan.id, records

    @staticmethod
    def _add_rules(session: Session, rules: list[RecurringRule], actor_id: str,
                   now: datetime) -> None:
        for rule in rules:
            add_rule(session, rule, actor_id, now)

    def _retry(self, plan: Plan, digest: str) -> tuple[str, list[TaskRecord]]:
        if plan.request_hash != digest:
            raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một kế hoạch khác.")
        with session_scope(self.tasks.engine) as session:
            pending = unstarted_records(session, plan.id)
        return plan.id, [RECORDS.validate_json(r) for r in pending]

    @staticmethod
    def _record(plan_id: str, assigner_id: str, p: PlannedTask, now: datetime) -> TaskRecord:
        key = task_client_key(plan_id, p.row, p.position, p.unit_id)
        return new_record(new_task_id(), key, request_hash(p.draft), p.draft, assigner_id,
                          p.deadline, now, plan_id=plan_id)

    async def _start_all(self, records: list[TaskRecord]) -> None:
        """Start every task, a few at a time; the first failure is raised once all have been
        tried (a retry of the request starts what is left). Once Temporal is found away, the
        rest are not tried: each would wait for it in vain before the plan could answer."""
        gate = asyncio.Semaphore(PARALLEL_STARTS)
        away: list[DomainError] = []

        async def start(record: TaskRecord) -> None:
            async with gate:
                if away:
                    raise away[0]
                try:
                    await self.tasks.start(record)
                except DomainError as err:
                    if err.code == Code.UNAVAILABLE:
                        away.append(err)
                    raise

        results = await asyncio.gather(*(start(r) for r in records), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result


def _entrant(session: Session, entered_by: str | None, signer: Actor) -> Official | None:
    """Who keys the plan in for its signer, once checked he may (None: the signer himself)."""
    if entered_by is None or entered_by == signer.id:
        return None
    body = home_briefing_unit(session, Viewer(signer))  # his UBND, or his department
    if not may_enter_for(load_actor(session, entered_by), signer,
                         tracking_unit_of(session, body).id):
        raise forbidden("Chỉ cán bộ của đơn vị theo dõi (Văn phòng) của UBND, sở nơi người ký "
                        "công tác được nhập kế hoạch thay người ký.")
    return session.get(Official, entered_by)


def _entered_notice(plan: Plan, entrant: Official, now: datetime) -> Notification:
    """Tells the signer a plan was entered in his name, and by whom, so he can check it."""
    return Notification(
        recipient_id=plan.issuer_id, kind="plan_entered",
        title=f"Kế hoạch số {plan.number} đã được nhập thay đồng chí",
        body=(f"Đồng chí {entrant.full_name} ({entrant.title or 'cán bộ'}) đã nhập thay đồng chí "
              f"Kế hoạch số {plan.number} “{plan.subject}”, giao {plan.task_count} nhiệm vụ. "
              "Đề nghị đồng chí kiểm tra, đối chiếu với văn bản đã ký."),
        dedup_key=f"plan-entered:{plan.id}", created_at=now)
