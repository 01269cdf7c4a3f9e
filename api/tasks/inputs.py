"""Task inputs, and their translation into domain drafts and filters."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from api.tasks.enums import TaskState, Timeliness
from domain.task import Coordinator, DeadlineSpec, Milestone, Product, TaskDraft
from giaoviec.reads.tasks import TaskFilter as TaskFilterQuery
from workflows.contracts import Output


@strawberry.input(description="Đơn vị phối hợp và nhiệm vụ của đơn vị đó.")
class CoordinatorInput:
    unit_id: strawberry.ID = strawberry.field(description="Mã đơn vị phối hợp.")
    duty: str = strawberry.field(description="Nhiệm vụ phối hợp cụ thể.")


@strawberry.input(description="Mốc tiến độ.")
class MilestoneInput:
    title: str = strawberry.field(description="Nội dung mốc.")
    due: date = strawberry.field(description="Ngày phải đạt.")


@strawberry.input(description="Sản phẩm đầu ra dự kiến.")
class ProductInput:
    kind: str = strawberry.field(description="Loại: báo cáo, kế hoạch, văn bản, quyết định…")
    description: str = strawberry.field(description="Mô tả sản phẩm.")
    measure: str | None = strawberry.field(default=None, description="Tiêu chí đo lường.")


@strawberry.input(description="Giao một nhiệm vụ: đủ \"06 rõ\". Thời hạn chọn đúng một trong "
                              "ba cách: deadline, deadlineDate hoặc workingDays.")
class AssignTaskInput:
    client_key: str = strawberry.field(
        description="Mã yêu cầu do bên gọi đặt: gửi lại cùng mã không tạo nhiệm vụ thứ hai.")
    title: str = strawberry.field(description="Tên nhiệm vụ (rõ việc).")
    lead_unit_id: strawberry.ID = strawberry.field(description="Đơn vị chủ trì (rõ người).")
    owner_id: strawberry.ID = strawberry.field(
        description="Người chịu trách nhiệm chính, thuộc đơn vị chủ trì (rõ người).")
    description: str | None = strawberry.field(default=None, description="Nội dung (rõ việc).")
    coordinators: list[CoordinatorInput] | None = strawberry.field(
        default=None, description="Đơn vị phối hợp, mỗi đơn vị một nhiệm vụ (rõ trách nhiệm).")
    basis: str | None = strawberry.field(
        default=None, description="Căn cứ, ví dụ \"Kế hoạch số 208/KH-UBND\" (rõ thẩm quyền).")
    deadline: datetime | None = strawberry.field(
        default=None, description="Hạn xử lý là một thời điểm (rõ thời gian).")
    deadline_date: date | None = strawberry.field(
        default=None, description="Hạn xử lý là hết ngày này; ngày nghỉ thì lùi sang ngày làm "
                                  "việc kế tiếp.")
    working_days: int | None = strawberry.field(
        default=None, description="Hạn xử lý trong N ngày làm việc kể từ khi giao.")
    milestones: list[MilestoneInput] | None = strawberry.field(
        default=None, description="Các mốc tiến độ.")
    product: ProductInput | None = strawberry.field(
        default=None, description="Sản phẩm đầu ra (rõ sản phẩm).")

    def to_draft(self) -> TaskDraft:
        return TaskDraft(
            title=self.title,
            description=self.description,
            lead_unit_id=str(self.lead_unit_id),
            owner_id=str(self.owner_id),
            basis=self.basis,
            deadline=DeadlineSpec(self.deadline, self.deadline_date, self.working_days),
            product=Product(self.product.kind, self.product.description, self.product.measure)
            if self.product else None,
            coordinators=tuple(Coordinator(str(c.unit_id), c.duty)
                               for c in self.coordinators or ()),
            milestones=tuple(Milestone(m.title, m.due) for m in self.milestones or ()),
        )


@strawberry.input(description="Sản phẩm nộp, ví dụ \"Báo cáo số 12/BC-UBND\".")
class OutputInput:
    description: str = strawberry.field(description="Mô tả sản phẩm nộp.")
    reference: str | None = strawberry.field(default=None, description="Số, ký hiệu văn bản.")
    url: str | None = strawberry.field(default=None, description="Đường dẫn tới sản phẩm.")

    def to_output(self) -> Output:
        return Output(self.description, self.reference, self.url)


@strawberry.enum(description="Vai trò của đơn vị đối với nhiệm vụ.")
class TaskRole(Enum):
    LEAD = strawberry.enum_value("lead", description="Chủ trì.")
    COORDINATING = strawberry.enum_value("coordinating", description="Phối hợp.")
    ANY = strawberry.enum_value("any", description="Chủ trì hoặc phối hợp.")


@strawberry.input(description="Bộ lọc danh sách nhiệm vụ.")
class TaskFilter:
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="Theo đơn vị.")
    include_descendants: bool = strawberry.field(
        default=True, description="Gồm cả các đơn vị trực thuộc.")
    role: TaskRole = strawberry.field(
        default=TaskRole.LEAD, description="Đơn vị với vai trò chủ trì, phối hợp hay cả hai.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Theo người chịu trách nhiệm chính.")
    states: list[TaskState] | None = strawberry.field(
        default=None, description="Theo trạng thái.")
    timeliness: list[Timeliness] | None = strawberry.field(
        default=None, description="Theo tình hình thời hạn.")
    deadline_from: datetime | None = strawberry.field(default=None, description="Hạn từ.")
    deadline_to: datetime | None = strawberry.field(default=None, description="Hạn đến.")
    basis: str | None = strawberry.field(default=None, description="Căn cứ có chứa chuỗi này.")
    search: str | None = strawberry.field(
        default=None, description="Tìm trong tên, nội dung, căn cứ; không phân biệt dấu.")
    flagged: bool | None = strawberry.field(
        default=None, description="Chỉ nhiệm vụ bị nêu tên tại giao ban (true) hoặc ngược lại.")
    awaiting_my_decision: bool = strawberry.field(
        default=False, description="Chỉ nhiệm vụ chờ người hỏi quyết định: sản phẩm đã nộp chờ "
                                   "xác nhận và đề nghị gia hạn chờ quyết định, ở nhiệm vụ người "
                                   "hỏi là người giao hoặc lãnh đạo cấp trên của người giao.")
    plan_id: strawberry.ID | None = strawberry.field(
        default=None, description="Các nhiệm vụ của một kế hoạch.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Các nhiệm vụ con của một nhiệm vụ.")

    def to_query(self) -> TaskFilterQuery:
        return TaskFilterQuery(
            unit_id=str(self.unit_id) if self.unit_id else None,
            include_descendants=self.include_descendants,
            role=self.role.value,
            owner_id=str(self.owner_id) if self.owner_id else None,
            states=list(self.states or ()),
            timeliness=list(self.timeliness or ()),
            deadline_from=self.deadline_from,
            deadline_to=self.deadline_to,
            basis=self.basis,
            search=self.search,
            flagged=self.flagged,
            awaiting_my_decision=self.awaiting_my_decision,
            plan_id=str(self.plan_id) if self.plan_id else None,
            parent_id=str(self.parent_id) if self.parent_id else None,
        )
