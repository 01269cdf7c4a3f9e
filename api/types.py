"""GraphQL output types. Every type and field says in Vietnamese what it is."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI, Action, TaskState
from domain.tally import Figures, task_timeliness
from domain.timeliness import TIMELINESS_LABELS_VI, Timeliness
from domain.timezone import as_aware
from giaoviec.reads import plans
from giaoviec.reads.dashboard import jurisdiction_of
from giaoviec.reads.facts import fact_of
from giaoviec.reads.org import unit_head
from giaoviec.reads.subtasks import plan_id_of
from giaoviec.store import models

if TYPE_CHECKING:
    from api.plan_api import Plan


def _enum_from(
    source: type[Enum], labels: dict, name: str, description: str  # type: ignore[type-arg]
) -> type[Enum]:
    members = {
        m.name: strawberry.enum_value(m.value, description=labels[m]) for m in source
    }
    return strawberry.enum(Enum(name, members), name=name, description=description)  # type: ignore[misc]


TaskStateEnum = _enum_from(
    TaskState, STATE_LABELS_VI, "TaskState", "Trạng thái xử lý của nhiệm vụ."
)
TaskActionEnum = strawberry.enum(  # type: ignore[misc]
    Enum("TaskAction", {
        a.name: strawberry.enum_value(a.value, description=ACTION_LABELS_VI[a])
        for a in Action if a is not Action.ASSIGN
    }),
    name="TaskAction", description="Thao tác trên một nhiệm vụ đã giao.",
)
TimelinessEnum = _enum_from(
    Timeliness, TIMELINESS_LABELS_VI, "Timeliness",
    "Tình hình thời hạn, tính từ hạn xử lý hiện hành và thời điểm nộp sản phẩm được chấp nhận.",
)


@strawberry.type(description="Kiểm đếm nhiệm vụ: bốn nhóm cộng lại bằng tổng số; "
                             "sắp đến hạn là một phần của chưa hoàn thành trong hạn.")
class Counts:
    total: int = strawberry.field(description="Tổng số nhiệm vụ (không tính nhiệm vụ đã hủy).")
    completed_on_time: int = strawberry.field(description="Đã hoàn thành đúng hạn.")
    completed_late: int = strawberry.field(description="Đã hoàn thành quá hạn.")
    open_in_time: int = strawberry.field(description="Chưa hoàn thành, trong hạn.")
    open_overdue: int = strawberry.field(description="Chưa hoàn thành, quá hạn.")
    due_soon: int = strawberry.field(description="Sắp đến hạn (còn không quá 3 ngày làm việc).")
    figures: strawberry.Private[Figures | None] = None

    @strawberry.field(description="Tỷ lệ hoàn thành đúng hạn (%) trên các nhiệm vụ đã đến hạn "
                                  "hoặc đã hoàn thành; null khi chưa có nhiệm vụ nào như vậy "
                                  "(không phải 0). Tỷ lệ của một kỳ: `tally`.")
    def on_time_rate(self) -> float | None:
        return self.figures.on_time_rate_so_far if self.figures else None

    @classmethod
    def of(cls, f: Figures) -> Counts:
        return cls(total=f.total, completed_on_time=f.completed_on_time,
                   completed_late=f.completed_late, open_in_time=f.open_in_time,
                   open_overdue=f.open_overdue, due_soon=f.due_soon, figures=f)


@strawberry.type(description="Cán bộ, công chức.")
class Official:
    row: strawberry.Private[models.Official]

    @strawberry.field(description="Mã cán bộ.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Tên đăng nhập.")
    def username(self) -> str:
        return self.row.username

    @strawberry.field(description="Họ và tên.")
    def full_name(self) -> str:
        return self.row.full_name

    @strawberry.field(description="Chức vụ.")
    def title(self) -> str | None:
        return self.row.title

    @strawberry.field(description="Vai trò: chairman, vice_chairman, unit_head, officer, "
                                  "office_staff.")
    def roles(self) -> list[str]:
        return self.row.role_list

    @strawberry.field(description="Đơn vị công tác.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.unit_id)

    @strawberry.field(description="Đơn vị thuộc phạm vi theo dõi của cán bộ: đơn vị mình; với "
                                  "cán bộ Văn phòng là UBND mà Văn phòng phục vụ.")
    async def jurisdiction(self, info: Info) -> Unit:
        await info.context.viewer()
        return Unit(row=await info.context.db(lambda s: jurisdiction_of(s, self.row)))

    @strawberry.field(description="Kiểm đếm nhiệm vụ cán bộ là người chịu trách nhiệm chính "
                                  "(trong phạm vi người hỏi được xem); cán bộ của một đơn vị "
                                  "cộng lại bằng kiểm đếm của chính đơn vị đó.")
    async def counts(self, info: Info) -> Counts:
        await info.context.viewer()
        return Counts.of(await info.context.loaders.owner_counts.load(self.row.id))


@strawberry.type(description="Đơn vị: tỉnh, sở, ban, ngành, xã, phường, phòng…")
class Unit:
    row: strawberry.Private[models.Unit]

    @strawberry.field(description="Mã đơn vị.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Tên đơn vị.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Loại đơn vị: province, department, commune, division…")
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="Đơn vị cấp trên trực tiếp.")
    async def parent(self, info: Info) -> Unit | None:
        if self.row.parent_id is None:
            return None
        return await load_unit(info, self.row.parent_id)

    @strawberry.field(description="Các đơn vị trực thuộc.")
    async def children(self, info: Info) -> list[Unit]:
        rows = await info.context.loaders.children.load(self.row.id)
        return [Unit(row=r) for r in rows]

    @strawberry.field(description="Người đứng đầu đơn vị (Thủ trưởng; ở UBND là Chủ tịch).")
    async def head(self, info: Info) -> Official | None:
        head = unit_head(await info.context.loaders.members.load(self.row.id))
        return Official(row=head) if head else None

    @strawberry.field(description="Cán bộ, công chức của đơn vị.")
    async def officials(self, info: Info) -> list[Official]:
        return [Official(row=o) for o in await info.context.loaders.members.load(self.row.id)]

    @strawberry.field(description="Kiểm đếm nhiệm vụ do chính đơn vị chủ trì (trong phạm vi "
                                  "người hỏi được xem).")
    async def counts(self, info: Info) -> Counts:
        return Counts.of(await info.context.loaders.counts.load(self.row.id))

    @strawberry.field(description="Kiểm đếm nhiệm vụ do đơn vị và các đơn vị trực thuộc chủ trì.")
    async def counts_with_descendants(self, info: Info) -> Counts:
        return Counts.of(await info.context.loaders.counts_with_descendants.load(self.row.id))


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

    @strawberry.field(description="Mã nhiệm vụ.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Tên nhiệm vụ (rõ việc).")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="Nội dung nhiệm vụ (rõ việc).")
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field(description="Trạng thái xử lý.")
    def state(self) -> TaskStateEnum:  # type: ignore[valid-type]
        return TaskStateEnum(self.row.state)  # type: ignore[misc]

    @strawberry.field(description="Tình hình thời hạn, tính tại thời điểm hỏi.")
    def timeliness(self, info: Info) -> TimelinessEnum:  # type: ignore[valid-type]
        value = task_timeliness(fact_of(self.row), info.context.clock.now,
                                info.context.app.calendar)
        return TimelinessEnum(value.value)  # type: ignore[misc]

    @strawberry.field(description="Hạn xử lý hiện hành (sau các lần gia hạn được chấp thuận).")
    def deadline(self) -> datetime:
        return as_aware(self.row.deadline)

    @strawberry.field(description="Hạn xử lý ban đầu khi giao.")
    def original_deadline(self) -> datetime:
        return as_aware(self.row.original_deadline)

    @strawberry.field(description="Đơn vị chủ trì (rõ người).")
    async def lead_unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.lead_unit_id)

    @strawberry.field(description="Người chịu trách nhiệm chính (rõ người).")
    async def owner(self, info: Info) -> Official:
        return await load_official(info, self.row.owner_id)

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

    @strawberry.field(description="Số lần đã nhắc khi quá hạn.")
    def overdue_reminders(self) -> int:
        return self.row.overdue_reminders

    @strawberry.field(description="Quá hạn sau hơn 3 lần nhắc: nêu tên tại giao ban.")
    def flagged(self) -> bool:
        return self.row.flagged

    @strawberry.field(description="Các thao tác người hỏi được làm trên nhiệm vụ lúc này (theo "
                                  "quan hệ với nhiệm vụ và trạng thái); quy trình vẫn kiểm tra "
                                  "lại khi thực hiện.")
    async def available_actions(self, info: Info) -> list[TaskActionEnum]:  # type: ignore[valid-type]
        await info.context.viewer()  # the loader's viewer, known from here on
        found = await info.context.loaders.actions.load(self.row)
        return [TaskActionEnum(a) for a in found]  # type: ignore[misc]
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
    async def plan(self, info: Info) -> Annotated[Plan, strawberry.lazy("api.plan_api")] | None:
        from api.plan_api import Plan

        viewer, loaders = await info.context.viewer(), info.context.loaders
        chain = await loaders.chain.load(self.row) if self.row.parent_id else []
        plan_id = plan_id_of(self.row, chain)
        found = await loaders.plan.load(plan_id) if plan_id else None
        return Plan(row=found) if found and plans.readable(viewer, found) else None

    @strawberry.field(description="Kế hoạch mà đơn vị ban hành để thực hiện nhiệm vụ này (khi "
                                  "sản phẩm của nhiệm vụ là một kế hoạch).")
    async def fulfilled_by(self, info: Info
                           ) -> Annotated[Plan, strawberry.lazy("api.plan_api")] | None:
        from api.plan_api import Plan

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
    def state(self) -> TaskStateEnum:  # type: ignore[valid-type]
        return TaskStateEnum(self.row.state)  # type: ignore[misc]

    @strawberry.field(description="Hạn xử lý hiện hành.")
    def deadline(self) -> datetime:
        return as_aware(self.row.deadline)

    @strawberry.field(description="Đơn vị chủ trì.")
    async def lead_unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.lead_unit_id)


def _frozen_at(row: models.Task, state: TaskState) -> datetime | None:
    """A paused task stands as it was when paused; a cancelled one as when cancelled."""
    if state is TaskState.PAUSED:
        return row.paused_at
    if state is TaskState.CANCELLED:
        return row.cancelled_at or row.updated_at
    return None


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
    def from_state(self) -> TaskStateEnum | None:  # type: ignore[valid-type]
        return TaskStateEnum(self.row.from_state) if self.row.from_state else None  # type: ignore[misc]

    @strawberry.field(description="Trạng thái sau.")
    def to_state(self) -> TaskStateEnum:  # type: ignore[valid-type]
        return TaskStateEnum(self.row.to_state)  # type: ignore[misc]

    @strawberry.field(description="Ghi chú, lý do.")
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field(description="Chi tiết (tiến độ, thời hạn mới…) dạng JSON.")
    def data(self) -> str:
        return json.dumps(json.loads(self.row.data or "{}"), ensure_ascii=False)

    @strawberry.field(description="Người được làm thay (người thực hiện là người thay); trống nếu "
                                  "người thực hiện tự làm.")
    async def on_behalf_of(self, info: Info) -> Official | None:
        principal = json.loads(self.row.data or "{}").get("on_behalf_of")
        return await load_official(info, principal) if principal else None

    @strawberry.field(description="Thể thức ký thay như trên văn bản giấy: \"KT. Chủ tịch UBND "
                                  "tỉnh\", \"TL. …\"; trống nếu người thực hiện tự làm.")
    def signed_as(self) -> str | None:
        return json.loads(self.row.data or "{}").get("signed_as")


@strawberry.type(description="Thông báo trong ứng dụng.")
class Notification:
    row: strawberry.Private[models.Notification]

    @strawberry.field(description="Mã thông báo.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="Loại: assigned, reminder, overdue, escalation, event…")
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="Tiêu đề.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="Nội dung.")
    def body(self) -> str:
        return self.row.body

    @strawberry.field(description="Thời điểm tạo.")
    def created_at(self) -> datetime:
        return as_aware(self.row.created_at)

    @strawberry.field(description="Thời điểm đã đọc; trống nếu chưa đọc.")
    def read_at(self) -> datetime | None:
        return as_aware(self.row.read_at) if self.row.read_at else None

    @strawberry.field(description="Mã nhiệm vụ liên quan.")
    def task_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.task_id) if self.row.task_id else None


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


async def load_unit(info: Info, unit_id: str) -> Unit:
    row = await info.context.loaders.unit.load(unit_id)
    if row is None:  # referential integrity makes this unreachable; say so plainly if not
        raise LookupError(f"unit {unit_id} missing")
    return Unit(row=row)


async def load_official(info: Info, official_id: str) -> Official:
    row = await info.context.loaders.official.load(official_id)
    if row is None:
        raise LookupError(f"official {official_id} missing")
    return Official(row=row)

