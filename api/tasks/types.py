"""Task types: a task and its parts, its thread (`chain`), its history, and the page of tasks
a list returns."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.counts import Counts
from api.organisation import (
    Official,
    Unit,
    load_official,
    load_unit,
    official_now_or_later,
    unit_now_or_later,
)
from api.tasks.enums import Action, TaskState, Timeliness
from domain.tally import task_timeliness
from domain.timezone import as_aware
from domain.trail import event_detail
from giaoviec.reads import plans
from giaoviec.reads.facts import fact_of
from giaoviec.reads.subtasks import plan_id_of
from giaoviec.store import models

if TYPE_CHECKING:
    from api.plans import Plan

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a plain field's default, never shown


@strawberry.type(description="Đơn vị phối hợp và nhiệm vụ được phân công.")
class Coordinator:
    unit_id: strawberry.Private[str]
    duty: str = strawberry.field(description="Nhiệm vụ của đơn vị phối hợp.")

    @strawberry.field(description="Đơn vị phối hợp.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.unit_id)


@strawberry.type(description="Sản phẩm đầu ra dự kiến (rõ sản phẩm).")
class Product:
    kind: str = strawberry.field(description="Loại sản phẩm: báo cáo, kế hoạch, văn bản…")
    description: str = strawberry.field(description="Mô tả sản phẩm.")
    measure: str | None = strawberry.field(description="Tiêu chí đo lường, nghiệm thu.")


@strawberry.type(description="Sản phẩm đã nộp.")
class Output:
    description: str = strawberry.field(description="Mô tả sản phẩm đã nộp.")
    reference: str | None = strawberry.field(description="Số, ký hiệu văn bản.")
    url: str | None = strawberry.field(description="Đường dẫn tới sản phẩm.")


@strawberry.type(description="Đề nghị gia hạn đang chờ người giao quyết định.")
class ExtensionRequest:
    new_deadline: datetime = strawberry.field(description="Thời hạn đề nghị.")
    reason: str = strawberry.field(description="Lý do đề nghị gia hạn.")


@strawberry.type(description="Mốc tiến độ.")
class Milestone:
    title: str = strawberry.field(description="Nội dung mốc.")
    due: date = strawberry.field(description="Ngày phải đạt.")


@strawberry.type(description="Nhiệm vụ được giao theo nguyên tắc \"06 rõ, 01 xuyên suốt\".")
class Task:
    row: strawberry.Private[models.Task]
    # Plain values set from the row (__post_init__), not resolvers: Strawberry runs a
    # resolver's chain for every field it resolves, and a page lists 50 tasks or more
    # (docs/benchmarks.md). The defaults are never shown: every one is set from the row.
    id: strawberry.ID = strawberry.field(default=strawberry.ID(""), description="Mã nhiệm vụ.")
    title: str = strawberry.field(default="", description="Tên nhiệm vụ (rõ việc).")
    description: str | None = strawberry.field(default=None,
                                               description="Nội dung nhiệm vụ (rõ việc).")
    state: TaskState = strawberry.field(default=TaskState.ASSIGNED,
                                        description="Trạng thái xử lý.")
    deadline: datetime = strawberry.field(
        default=EPOCH, description="Hạn xử lý hiện hành (sau các lần gia hạn được chấp thuận).")
    original_deadline: datetime = strawberry.field(default=EPOCH,
                                                   description="Hạn xử lý ban đầu khi giao.")
    overdue_reminders: int = strawberry.field(default=0,
                                              description="Số lần đã nhắc khi quá hạn.")
    flagged: bool = strawberry.field(
        default=False, description="Quá hạn sau hơn 3 lần nhắc: nêu tên tại giao ban.")

    def __post_init__(self) -> None:
        r = self.row
        self.id, self.title, self.description = strawberry.ID(r.id), r.title, r.description
        self.state = TaskState(r.state)
        self.deadline = as_aware(r.deadline)
        self.original_deadline = as_aware(r.original_deadline)
        self.overdue_reminders, self.flagged = r.overdue_reminders, r.flagged

    @strawberry.field(description="Tình hình thời hạn, tính tại thời điểm hỏi.")
    def timeliness(self, info: Info) -> Timeliness:
        return task_timeliness(fact_of(self.row), info.context.clock.now,
                               info.context.app.calendar)

    # At once when the page read its units and officials together (`tasks`), else loaded.
    @strawberry.field(description="Đơn vị chủ trì (rõ người).")
    def lead_unit(self, info: Info) -> Unit:
        return unit_now_or_later(info, self.row.lead_unit_id)  # type: ignore[return-value]

    @strawberry.field(description="Người chịu trách nhiệm chính (rõ người).")
    def owner(self, info: Info) -> Official:
        return official_now_or_later(info, self.row.owner_id)  # type: ignore[return-value]

    @strawberry.field(description="Người giao nhiệm vụ (rõ thẩm quyền).")
    async def assigned_by(self, info: Info) -> Official:
        return await load_official(info, self.row.assigner_id)

    @strawberry.field(description="Đơn vị phối hợp và nhiệm vụ của từng đơn vị (rõ trách nhiệm).")
    async def coordinators(self, info: Info) -> list[Coordinator]:
        rows = await info.context.loaders.coordinators.load(self.row.id)
        return [Coordinator(unit_id=r.unit_id, duty=r.duty) for r in rows]

    @strawberry.field(description="Căn cứ giao việc, ví dụ \"Kế hoạch số 208/KH-UBND\".")
    def basis(self) -> str | None:
        return self.row.basis

    @strawberry.field(description="Sản phẩm đầu ra dự kiến (rõ sản phẩm).")
    def product(self) -> Product | None:
        r = self.row
        if not r.product_kind:
            return None
        return Product(kind=r.product_kind, description=r.product_description or "",
                       measure=r.product_measure)

    @strawberry.field(description="Tiến độ (%), do người chịu trách nhiệm báo cáo.")
    def progress(self) -> int:
        return self.row.progress

    @strawberry.field(description="Thời điểm giao.")
    def created_at(self) -> datetime:
        return as_aware(self.row.created_at)

    @strawberry.field(description="Thời điểm nộp sản phẩm gần nhất.")
    def submitted_at(self) -> datetime | None:
        return as_aware(self.row.submitted_at) if self.row.submitted_at else None

    @strawberry.field(description="Thời điểm xác nhận hoàn thành.")
    def completed_at(self) -> datetime | None:
        return as_aware(self.row.completed_at) if self.row.completed_at else None

    @strawberry.field(description="Sản phẩm đã nộp.")
    def output(self) -> Output | None:
        r = self.row
        if not r.output_description:
            return None
        return Output(description=r.output_description, reference=r.output_reference,
                      url=r.output_url)

    @strawberry.field(description="Đề nghị gia hạn đang chờ quyết định.")
    def pending_extension(self) -> ExtensionRequest | None:
        r = self.row
        if r.extension_requested_deadline is None:
            return None
        return ExtensionRequest(new_deadline=as_aware(r.extension_requested_deadline),
                                reason=r.extension_reason or "")

    @strawberry.field(description="Các thao tác người hỏi được làm trên nhiệm vụ lúc này (theo "
                                  "quan hệ với nhiệm vụ và trạng thái); quy trình vẫn kiểm tra "
                                  "lại khi thực hiện.")
    async def available_actions(self, info: Info) -> list[Action]:
        await info.context.viewer()  # the loader's viewer, known from here on
        found = await info.context.loaders.actions.load(self.row)
        return [Action(a) for a in found]
    # "01 xuyên suốt": the thread from the plan or directive down to this task ------------

    @strawberry.field(description="Nhiệm vụ cấp trên mà nhiệm vụ này được chia ra; null nếu "
                                  "không có hoặc người hỏi không được xem.")
    async def parent(self, info: Info) -> Task | None:
        if not self.row.parent_id:
            return None
        await info.context.viewer()
        row = await info.context.loaders.readable_task.load(self.row.parent_id)
        return Task(row=row) if row else None

    @strawberry.field(description="Các nhiệm vụ con (người hỏi được xem), theo hạn xử lý.")
    async def subtasks(self, info: Info) -> list[Task]:
        return [Task(row=r) for r in await info.context.loaders.subtasks.load(self.row.id)]

    @strawberry.field(description="Kiểm đếm mọi nhiệm vụ con, cháu… của nhiệm vụ (người hỏi được "
                                  "xem): bốn nhóm cộng lại bằng tổng số.")
    async def subtask_counts(self, info: Info) -> Counts:
        await info.context.viewer()
        return Counts.of(await info.context.loaders.subtask_counts.load(self.row.id))

    @strawberry.field(description="Mạch nhiệm vụ: các nhiệm vụ cấp trên, từ nhiệm vụ gốc (do kế "
                                  "hoạch hoặc văn bản chỉ đạo giao) xuống nhiệm vụ cha. Ai xem "
                                  "được nhiệm vụ thì xem được mạch của nó.")
    async def chain(self, info: Info) -> list[TaskLink]:
        found = await info.context.loaders.chain.load(self.row) if self.row.parent_id else []
        return [TaskLink(row=r) for r in found]

    @strawberry.field(description="Kế hoạch giao nhiệm vụ này, hoặc giao nhiệm vụ gốc của nó.")
    async def plan(self, info: Info) -> Annotated[Plan, strawberry.lazy("api.plans")] | None:
        from api.plans import Plan  # a cycle by nature: a plan lists tasks

        viewer, loaders = await info.context.viewer(), info.context.loaders
        chain = await loaders.chain.load(self.row) if self.row.parent_id else []
        plan_id = plan_id_of(self.row, chain)
        found = await loaders.plan.load(plan_id) if plan_id else None
        return Plan(row=found) if found and plans.readable(viewer, found) else None

    @strawberry.field(description="Kế hoạch mà đơn vị ban hành để thực hiện nhiệm vụ này (khi "
                                  "sản phẩm của nhiệm vụ là một kế hoạch).")
    async def fulfilled_by(self, info: Info
                           ) -> Annotated[Plan, strawberry.lazy("api.plans")] | None:
        from api.plans import Plan  # a cycle by nature: a plan lists tasks

        viewer = await info.context.viewer()
        found = await info.context.loaders.fulfilled_by.load(self.row.id)
        return Plan(row=found) if found and plans.readable(viewer, found) else None

    @strawberry.field(description="Các mốc tiến độ.")
    async def milestones(self, info: Info) -> list[Milestone]:
        rows = await info.context.loaders.milestones.load(self.row.id)
        return [Milestone(title=m.title, due=m.due) for m in rows]


@strawberry.type(description="Một nhiệm vụ trong mạch nhiệm vụ: tên, đơn vị chủ trì, hạn, trạng "
                             "thái và căn cứ.")
class TaskLink:
    row: strawberry.Private[models.Task]

    @strawberry.field(description="Mã nhiệm vụ.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Tên nhiệm vụ.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="Căn cứ giao việc.")
    def basis(self) -> str | None:
        return self.row.basis

    @strawberry.field(description="Trạng thái xử lý.")
    def state(self) -> TaskState:
        return TaskState(self.row.state)

    @strawberry.field(description="Hạn xử lý hiện hành.")
    def deadline(self) -> datetime:
        return as_aware(self.row.deadline)

    @strawberry.field(description="Đơn vị chủ trì.")
    async def lead_unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.lead_unit_id)


@strawberry.type(description="Một bước trong quá trình xử lý nhiệm vụ.")
class TaskEvent:
    row: strawberry.Private[models.TaskEvent]

    @strawberry.field(description="Số thứ tự.")
    def seq(self) -> int:
        return self.row.seq

    @strawberry.field(description="Thời điểm.")
    def at(self) -> datetime:
        return as_aware(self.row.at)

    @strawberry.field(description="Thao tác: assign, accept, submit… hoặc remind (hệ thống nhắc).")
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="Người thực hiện; trống nếu do hệ thống.")
    async def actor(self, info: Info) -> Official | None:
        if self.row.actor_id is None:
            return None
        return await load_official(info, self.row.actor_id)

    @strawberry.field(description="Trạng thái trước.")
    def from_state(self) -> TaskState | None:
        return TaskState(self.row.from_state) if self.row.from_state else None

    @strawberry.field(description="Trạng thái sau.")
    def to_state(self) -> TaskState:
        return TaskState(self.row.to_state)

    @strawberry.field(description="Ghi chú, lý do.")
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field(description="Chi tiết (tiến độ, thời hạn mới…) dạng JSON.")
    def data(self) -> str:
        return json.dumps(json.loads(self.row.data or "{}"), ensure_ascii=False)

    @strawberry.field(description="Chi tiết bằng lời để hiển thị (\"tiến độ 40%\", \"nhắc: còn 3 "
                                  "ngày làm việc đến hạn\"); trống nếu không có.")
    def detail(self) -> str | None:
        data = json.loads(self.row.data or "{}")
        return event_detail(self.row.action, {k: str(v) for k, v in data.items()})

    @strawberry.field(description="Người được làm thay (người thực hiện là người thay); trống nếu "
                                  "người thực hiện tự làm.")
    async def on_behalf_of(self, info: Info) -> Official | None:
        principal = json.loads(self.row.data or "{}").get("on_behalf_of")
        return await load_official(info, principal) if principal else None

    @strawberry.field(description="Thể thức ký thay như trên văn bản giấy: \"KT. Chủ tịch UBND "
                                  "tỉnh\", \"TL. …\"; trống nếu người thực hiện tự làm.")
    def signed_as(self) -> str | None:
        return json.loads(self.row.data or "{}").get("signed_as")


@strawberry.type(description="Thông tin phân trang.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Còn trang sau.")
    has_previous_page: bool = strawberry.field(description="Có trang trước.")
    start_cursor: str | None = strawberry.field(description="Con trỏ của bản ghi đầu trang.")
    end_cursor: str | None = strawberry.field(description="Con trỏ của bản ghi cuối trang.")


@strawberry.type(description="Một nhiệm vụ trong danh sách, kèm con trỏ.")
class TaskEdge:
    cursor: str = strawberry.field(description="Con trỏ để lấy trang sau (tham số after).")
    node: Task = strawberry.field(description="Nhiệm vụ.")


@strawberry.type(description="Danh sách nhiệm vụ theo trang (Relay connection).")
class TaskConnection:
    edges: list[TaskEdge] = strawberry.field(description="Các nhiệm vụ của trang này.")
    page_info: PageInfo = strawberry.field(description="Thông tin phân trang.")
    total_count: int = strawberry.field(description="Tổng số nhiệm vụ khớp bộ lọc.")
