"""Recurring duties (nhiệm vụ định kỳ): createRecurringRule, pause, resume, end;
recurringRule and recurringRules with each period's roll-up."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import strawberry

from api.context import Info
from api.counts import Counts
from api.enums import Frequency
from api.organisation import Official, Unit, load_official, load_unit
from api.tasks.inputs import ProductInput
from api.tasks.types import Task
from domain.errors import not_found
from domain.recurrence import (
    MAX_UNITS,
    DueDate,
    Recurrence,
    RuleDraft,
    describe,
    from_json,
)
from domain.rule_state import RULE_STATE_LABELS_VI
from domain.timezone import as_aware, local_date
from giaoviec.reads.recurring import (
    MAX_RULES,
    PeriodStatus,
    list_rules,
    readable_rule,
    rule_events,
    rule_periods,
)
from giaoviec.services.recurring import RecurringService
from giaoviec.store import models


@strawberry.input(description="Một ngày hạn trong năm, ví dụ 05/6 (báo cáo 6 tháng).")
class DueDateInput:
    month: int = strawberry.field(description="Tháng.")
    day: int = strawberry.field(description="Ngày.")
    label: str | None = strawberry.field(
        default=None, description="Tên kỳ, ví dụ \"6 tháng đầu năm\"; bỏ trống là \"năm\".")


@strawberry.input(description="Lịch của nhiệm vụ định kỳ: mỗi kỳ có một ngày hạn (ngày nghỉ thì "
                              "lùi sang ngày làm việc kế tiếp); nhiệm vụ của kỳ được giao lúc "
                              "06:00, openDays ngày trước hạn.")
class RecurrenceInput:
    frequency: Frequency = strawberry.field(description="Chu kỳ.")
    weekday: int | None = strawberry.field(
        default=None, description="Hằng tuần: thứ của ngày hạn (1 = thứ Hai … 5 = thứ Sáu).")
    day: int | None = strawberry.field(
        default=None, description="Hằng tháng, hằng quý: ngày hạn trong tháng (quá cuối tháng "
                                  "thì là ngày cuối tháng).")
    month_in_quarter: int | None = strawberry.field(
        default=None, description="Hằng quý: tháng hạn trong quý (1, 2, 3).")
    dates: list[DueDateInput] | None = strawberry.field(
        default=None, description="Theo ngày trong năm: các ngày hạn, ví dụ 05/6 và 05/12.")
    open_days: int | None = strawberry.field(
        default=None, description="Giao trước hạn bao nhiêu ngày; mặc định: tuần 4, tháng 14, "
                                  "quý và năm 30.")

    def to_recurrence(self) -> Recurrence:
        return Recurrence(
            frequency=self.frequency, weekday=self.weekday, day=self.day,
            month_in_quarter=self.month_in_quarter,
            dates=tuple(DueDate(d.month, d.day, d.label) for d in self.dates or ()),
            open_days=self.open_days,
        )


@strawberry.input(description="Nhiệm vụ định kỳ: mỗi kỳ, mỗi đơn vị một nhiệm vụ đủ \"06 rõ\" "
                              "(thủ trưởng đơn vị chịu trách nhiệm chính, người lập là người "
                              "giao).")
class RecurringRuleInput:
    client_key: str = strawberry.field(
        description="Mã yêu cầu: gửi lại cùng mã không tạo nhiệm vụ định kỳ thứ hai.")
    title: str = strawberry.field(description="Tên; mỗi kỳ thêm tên kỳ (rõ việc).")
    unit_ids: list[strawberry.ID] = strawberry.field(
        description=f"Các đơn vị thực hiện (tối đa {MAX_UNITS}).")
    recurrence: RecurrenceInput = strawberry.field(description="Lịch (rõ thời gian).")
    description: str | None = strawberry.field(default=None, description="Nội dung.")
    basis: str | None = strawberry.field(
        default=None, description="Căn cứ, ví dụ \"Kế hoạch số 112/KH-UBND\".")
    product: ProductInput | None = strawberry.field(
        default=None, description="Sản phẩm của mỗi kỳ (rõ sản phẩm).")
    starts_on: date | None = strawberry.field(
        default=None, description="Áp dụng cho các kỳ giao từ ngày này (mặc định: hôm nay).")
    ends_on: date | None = strawberry.field(
        default=None, description="Kỳ cuối cùng có hạn không sau ngày này.")

    def to_draft(self) -> RuleDraft:
        p = self.product
        return RuleDraft(
            title=self.title, description=self.description, basis=self.basis,
            product_kind=p.kind if p else None, product_description=p.description if p else None,
            product_measure=p.measure if p else None,
            unit_ids=tuple(str(u) for u in self.unit_ids),
            recurrence=self.recurrence.to_recurrence(),
            starts_on=self.starts_on or local_date(datetime.now(UTC)),
            ends_on=self.ends_on,
        )


@strawberry.type(description="Một bước của nhiệm vụ định kỳ: lập, tạm dừng, tiếp tục, kết thúc, "
                             "hoặc một kỳ không giao được cho một đơn vị.")
class RecurringRuleEvent:
    row: strawberry.Private[models.RecurringRuleEvent]

    @strawberry.field(description="Thời điểm.")
    def at(self) -> datetime:
        return as_aware(self.row.at)

    @strawberry.field(description="Thao tác: create, pause, resume, end, skip.")
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="Lý do, ghi chú.")
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field(description="Người thực hiện; trống nếu do hệ thống.")
    async def actor(self, info: Info) -> Official | None:
        return await load_official(info, self.row.actor_id) if self.row.actor_id else None


@strawberry.type(description="Tình hình một đơn vị trong một kỳ.")
class RecurringUnitStatus:
    unit_id: strawberry.Private[str]
    task_row: strawberry.Private[models.Task | None]
    submitted: bool = strawberry.field(description="Đã nộp sản phẩm của kỳ (chờ xác nhận hoặc "
                                                   "đã hoàn thành).")

    @strawberry.field(description="Đơn vị.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.unit_id)

    @strawberry.field(description="Nhiệm vụ của đơn vị trong kỳ.")
    def task(self) -> Task | None:
        return Task(row=self.task_row) if self.task_row else None


@strawberry.type(description="Một kỳ của nhiệm vụ định kỳ: kiểm đếm và ai chưa nộp.")
class RecurringPeriod:
    status: strawberry.Private[PeriodStatus]
    unit_order: strawberry.Private[list[str]]

    @strawberry.field(description="Mã kỳ: 2027-W05, 2027-02, 2027-Q1, 2027-06-05.")
    def key(self) -> str:
        return self.status.key

    @strawberry.field(description="Tên kỳ.")
    def label(self) -> str:
        occ = self.status.occurrence
        return occ.label if occ else self.status.key

    @strawberry.field(description="Ngày hạn theo lịch (trước khi lùi qua ngày nghỉ).")
    def due(self) -> date | None:
        return self.status.occurrence.due if self.status.occurrence else None

    @strawberry.field(description="Kiểm đếm các nhiệm vụ của kỳ.")
    def counts(self) -> Counts:
        return Counts.of(self.status.counts)

    @strawberry.field(description="Từng đơn vị (người hỏi được xem) và nhiệm vụ của kỳ.")
    def units(self) -> list[RecurringUnitStatus]:
        tasks = self.status.tasks
        waiting = set(self.status.not_submitted)
        return [RecurringUnitStatus(unit_id=u, task_row=tasks[u], submitted=u not in waiting)
                for u in self.unit_order if u in tasks]

    @strawberry.field(description="Các đơn vị chưa nộp sản phẩm của kỳ.")
    async def not_submitted(self, info: Info) -> list[Unit]:
        return [await load_unit(info, u) for u in self.status.not_submitted]


@strawberry.type(description="Nhiệm vụ định kỳ: mỗi kỳ, mỗi đơn vị một nhiệm vụ.")
class RecurringRule:
    row: strawberry.Private[models.RecurringRule]

    @strawberry.field(description="Mã.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Tên.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="Căn cứ.")
    def basis(self) -> str:
        return self.row.basis

    @strawberry.field(description="Kế hoạch có dòng là nhiệm vụ định kỳ này; null nếu lập riêng.")
    def plan_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.plan_id) if self.row.plan_id else None

    @strawberry.field(description="Chu kỳ.")
    def frequency(self) -> Frequency:
        return from_json(self.row.recurrence).frequency

    @strawberry.field(description="Lịch, bằng lời.")
    def schedule(self) -> str:
        return describe(from_json(self.row.recurrence))

    @strawberry.field(description="Trạng thái: active, paused, ended.")
    def state(self) -> str:
        return self.row.state

    @strawberry.field(description="Trạng thái, bằng lời.")
    def state_label(self) -> str:
        return RULE_STATE_LABELS_VI.get(self.row.state, self.row.state)

    @strawberry.field(description="Áp dụng từ ngày.")
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="Kỳ cuối có hạn không sau ngày này.")
    def ends_on(self) -> date | None:
        return self.row.ends_on

    @strawberry.field(description="Người lập (người giao các nhiệm vụ).")
    async def created_by(self, info: Info) -> Official:
        return await load_official(info, self.row.creator_id)

    @strawberry.field(description="Các đơn vị thực hiện.")
    async def units(self, info: Info) -> list[Unit]:
        return [await load_unit(info, u) for u in json.loads(self.row.unit_ids)]

    @strawberry.field(description="Quá trình: lập, tạm dừng, tiếp tục, kết thúc, kỳ không giao "
                                  "được.")
    async def events(self, info: Info) -> list[RecurringRuleEvent]:
        rule_id = self.row.id
        rows = await info.context.db(lambda s: rule_events(s, rule_id))
        return [RecurringRuleEvent(row=r) for r in rows]

    @strawberry.field(description="Các kỳ gần nhất đã giao, mới nhất trước (tối đa 60).")
    async def periods(self, info: Info, last: int = 6) -> list[RecurringPeriod]:
        viewer = await info.context.viewer()
        rule, clock = self.row, info.context.clock
        found = await info.context.db(lambda s: rule_periods(s, viewer, rule, clock, last))
        order = json.loads(rule.unit_ids)
        return [RecurringPeriod(status=p, unit_order=order) for p in found]


def _service(info: Info) -> RecurringService:
    return RecurringService(info.context.service, info.context.app.scheduler)


async def _rule(info: Info, rule_id: str) -> RecurringRule:
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_rule(s, viewer, rule_id))
    if row is None:
        raise not_found("Không tìm thấy nhiệm vụ định kỳ.")
    return RecurringRule(row=row)


@strawberry.field(description="Một nhiệm vụ định kỳ; null nếu không có hoặc không được xem.")
async def recurring_rule(info: Info, id: strawberry.ID) -> RecurringRule | None:
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_rule(s, viewer, str(id)))
    return RecurringRule(row=row) if row else None


@strawberry.field(description=f"Các nhiệm vụ định kỳ người hỏi được xem (tối đa {MAX_RULES}), "
                              f"có thể lọc theo đơn vị thực hiện (kể cả các đơn vị thuộc đơn "
                              f"vị ấy) và theo kế hoạch.")
async def recurring_rules(info: Info, unit_id: strawberry.ID | None = None,
                          plan_id: strawberry.ID | None = None) -> list[RecurringRule]:
    viewer = await info.context.viewer()
    uid = str(unit_id) if unit_id else None
    pid = str(plan_id) if plan_id else None
    rows = await info.context.db(lambda s: list_rules(s, viewer, uid, MAX_RULES, plan_id=pid))
    return [RecurringRule(row=r) for r in rows]


@strawberry.mutation(description="Lập nhiệm vụ định kỳ; một Temporal Schedule giao nhiệm vụ "
                                 "của từng kỳ cho từng đơn vị.")
async def create_recurring_rule(info: Info, input: RecurringRuleInput
                                ) -> RecurringRule:
    viewer = await info.context.viewer()
    rule_id = await _service(info).create(viewer.id, input.client_key, input.to_draft())
    return await _rule(info, rule_id)


@strawberry.mutation(description="Tạm dừng (người lập hoặc lãnh đạo cấp trên), nêu lý do; "
                                 "không giao nhiệm vụ của các kỳ mở trong thời gian dừng.")
async def pause_recurring_rule(info: Info, id: strawberry.ID, reason: str
                               ) -> RecurringRule:
    viewer = await info.context.viewer()
    await _service(info).pause(viewer.id, str(id), reason)
    return await _rule(info, str(id))


@strawberry.mutation(description="Tiếp tục nhiệm vụ định kỳ đang tạm dừng.")
async def resume_recurring_rule(info: Info, id: strawberry.ID) -> RecurringRule:
    viewer = await info.context.viewer()
    await _service(info).resume(viewer.id, str(id))
    return await _rule(info, str(id))


@strawberry.mutation(description="Kết thúc nhiệm vụ định kỳ, nêu lý do; các nhiệm vụ đã giao "
                                 "vẫn tiếp tục.")
async def end_recurring_rule(info: Info, id: strawberry.ID, reason: str
                             ) -> RecurringRule:
    viewer = await info.context.viewer()
    await _service(info).end(viewer.id, str(id), reason)
    return await _rule(info, str(id))
