"""Plans (kế hoạch): the Plan type and its inputs, `plan`, `plans`, `createPlan`, `importPlan`."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from api.context import Info
from api.counts import Counts
from api.enums import Frequency
from api.organisation import Official, Unit, load_official, load_unit
from api.tasks.inputs import CoordinatorInput
from api.tasks.types import Task
from domain.errors import not_found
from domain.plan import PlanDraft, PlanItem, PlanProduct
from domain.plan_terms import REPORTING_CYCLES
from domain.tally import Figures
from domain.task import Coordinator, DeadlineSpec
from domain.timezone import as_aware
from giaoviec.reads.plans import (
    MAX_PLANS,
    PlanFilter,
    list_plans,
    plan_cascade,
    plan_warnings,
    readable_plan,
)
from giaoviec.reads.plans import readable as plan_readable
from giaoviec.reads.visibility import readable_task
from giaoviec.services.plan_files import MAX_FILE_BYTES
from giaoviec.services.plans import PlanService
from giaoviec.store import models


@strawberry.input(description="Một sản phẩm của một dòng kế hoạch: mỗi sản phẩm (của mỗi đơn vị "
                              "chủ trì) là một nhiệm vụ. Thời hạn chọn đúng một trong bốn cách: "
                              "term, deadline, deadlineDate hoặc workingDays.")
class PlanProductInput:
    description: str = strawberry.field(description="Sản phẩm, ví dụ \"Báo cáo kết quả chuyển "
                                                    "đổi số định kỳ\" (rõ sản phẩm).")
    kind: str | None = strawberry.field(
        default=None, description="Loại sản phẩm; bỏ trống thì lấy theo chữ đầu của mô tả "
                                  "(báo cáo, kế hoạch, dự toán…).")
    measure: str | None = strawberry.field(default=None, description="Tiêu chí đo lường.")
    title: str | None = strawberry.field(
        default=None, description="Tên nhiệm vụ; bỏ trống thì là mô tả sản phẩm.")
    term: str | None = strawberry.field(
        default=None, description="Thời hạn theo cách ghi của văn bản, tính từ ngày ban hành "
                                  "(không có thì từ ngày nhập): \"01 tháng kể từ ngày Kế hoạch "
                                  "được ban hành\", \"10 ngày làm việc\", \"Trước ngày 05/12\" "
                                  "(hết ngày làm việc liền trước), \"31/12/2026\"; \"Hằng tuần\", "
                                  "\"Hằng tháng\", \"Hằng quý\", \"06 tháng, năm\", \"Thường "
                                  "xuyên\" thành nhiệm vụ định kỳ; \"Theo yêu cầu\" ghi vào kế "
                                  "hoạch, không theo dõi.")
    deadline: datetime | None = strawberry.field(default=None, description="Hạn là thời điểm.")
    deadline_date: date | None = strawberry.field(default=None, description="Hạn là hết ngày.")
    working_days: int | None = strawberry.field(
        default=None, description="Hạn trong N ngày làm việc.")

    def to_product(self) -> PlanProduct:
        return PlanProduct(
            description=self.description, kind=self.kind, measure=self.measure,
            title=self.title, term=self.term,
            deadline=DeadlineSpec(self.deadline, self.deadline_date, self.working_days),
        )


@strawberry.input(description="Một dòng \"Tổ chức thực hiện\": đơn vị chủ trì, nhiệm vụ, đơn vị "
                              "phối hợp và các sản phẩm.")
class PlanItemInput:
    lead_unit_ids: list[strawberry.ID] = strawberry.field(
        description="Đơn vị chủ trì; nhiều đơn vị thì mỗi đơn vị một nhiệm vụ cho mỗi sản phẩm.")
    description: str | None = strawberry.field(description="Nội dung nhiệm vụ (rõ việc).")
    products: list[PlanProductInput] = strawberry.field(description="Các sản phẩm đầu ra.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Người chịu trách nhiệm chính; bỏ trống thì là thủ trưởng "
                                  "đơn vị chủ trì.")
    coordinators: list[CoordinatorInput] | None = strawberry.field(
        default=None, description="Đơn vị phối hợp và nhiệm vụ của từng đơn vị.")

    def to_item(self, row: int) -> PlanItem:
        return PlanItem(
            lead_unit_ids=tuple(str(u) for u in self.lead_unit_ids),
            description=self.description, products=tuple(p.to_product() for p in self.products),
            owner_id=str(self.owner_id) if self.owner_id else None,
            coordinators=tuple(Coordinator(str(c.unit_id), c.duty)
                               for c in self.coordinators or ()),
            row=row,
        )


ISSUED_BY = ("Người ký ban hành (mặc định: người gọi). Cán bộ đơn vị theo dõi (Văn phòng) của "
             "UBND nơi người ký công tác được nhập thay: kế hoạch vẫn là của người ký, thẩm "
             "quyền của người ký được kiểm tra, người nhập được ghi lại (enteredBy) và người ký "
             "được thông báo.")


@strawberry.input(description="Một kế hoạch: số, ngày, trích yếu, căn cứ và các dòng tổ chức "
                              "thực hiện. Tạo tất cả nhiệm vụ hoặc không tạo nhiệm vụ nào.")
class PlanInput:
    client_key: str = strawberry.field(
        description="Mã yêu cầu do bên gọi đặt: gửi lại cùng mã không tạo kế hoạch thứ hai.")
    number: str = strawberry.field(description="Số, ký hiệu, ví dụ \"135/KH-UBND\".")
    subject: str = strawberry.field(description="Trích yếu (tên kế hoạch).")
    items: list[PlanItemInput] = strawberry.field(
        description="Các dòng; lỗi của dòng thứ n có row = n.")
    issued_on: date | None = strawberry.field(default=None, description="Ngày ban hành.")
    basis: str | None = strawberry.field(
        default=None, description="Căn cứ ban hành, ví dụ \"Kế hoạch số 208/KH-UBND\".")
    fulfils_task_id: strawberry.ID | None = strawberry.field(
        default=None, description="Nhiệm vụ (của kế hoạch cấp trên) mà kế hoạch này là sản phẩm: "
                                  "cấp trên yêu cầu đơn vị ban hành kế hoạch của mình.")
    issued_by_id: strawberry.ID | None = strawberry.field(default=None, description=ISSUED_BY)
    reporting: Frequency | None = strawberry.field(
        default=None, description="Kỳ báo cáo của các nhiệm vụ \"Thường xuyên\" (thành nhiệm "
                                  "vụ định kỳ theo kỳ này): WEEKLY hạn thứ Sáu, MONTHLY hạn cuối "
                                  "tháng, QUARTERLY hạn cuối quý, YEARLY hạn 05/6 và 05/12; bỏ "
                                  "trống là hằng tuần.")

    def to_draft(self) -> PlanDraft:
        return PlanDraft(
            number=self.number, issued_on=self.issued_on, subject=self.subject,
            basis=self.basis,
            items=tuple(item.to_item(i + 1) for i, item in enumerate(self.items)),
            fulfils_task_id=str(self.fulfils_task_id) if self.fulfils_task_id else None,
            reporting=REPORTING_CYCLES[self.reporting or Frequency.WEEKLY],
        )


@strawberry.input(description="Bộ lọc danh sách kế hoạch.")
class PlanFilterInput:
    issuer_unit_id: strawberry.ID | None = strawberry.field(
        default=None, description="Đơn vị ban hành.")
    search: str | None = strawberry.field(
        default=None, description="Tìm trong số, trích yếu, căn cứ; không phân biệt dấu.")


@strawberry.type(description="Kiểm đếm các nhiệm vụ của kế hoạch do một đơn vị chủ trì.")
class PlanUnitCounts:
    unit_id: strawberry.Private[str]
    counts: Counts = strawberry.field(description="Bốn nhóm kiểm đếm và sắp đến hạn.")

    @strawberry.field(description="Đơn vị chủ trì.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.unit_id)


@strawberry.type(description="Một đơn vị được yêu cầu ban hành kế hoạch của mình, và kế hoạch ấy.")
class PlanCascadeItem:
    task_row: strawberry.Private[models.Task]
    plan_row: strawberry.Private[models.Plan | None]

    @strawberry.field(description="Đơn vị chủ trì.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.task_row.lead_unit_id)

    @strawberry.field(description="Nhiệm vụ yêu cầu ban hành kế hoạch.")
    def task(self) -> Task:
        return Task(row=self.task_row)

    @strawberry.field(description="Đã ban hành kế hoạch.")
    def issued(self) -> bool:
        return self.plan_row is not None

    @strawberry.field(description="Kế hoạch đơn vị đã ban hành; null nếu chưa hoặc người hỏi "
                                  "không được xem (như plan(id)).")
    async def plan(self, info: Info) -> Plan | None:
        if self.plan_row is None:
            return None
        viewer = await info.context.viewer()
        return Plan(row=self.plan_row) if plan_readable(viewer, self.plan_row) else None


@strawberry.type(description="Một sản phẩm của kế hoạch không có hạn để theo dõi (\"Theo yêu "
                             "cầu\"), và vì sao. Các dòng có thời hạn định kỳ là nhiệm vụ định "
                             "kỳ của kế hoạch: recurringRules(planId).")
class PlanUntracked:
    row: int = strawberry.field(description="Dòng của kế hoạch.")
    description: str = strawberry.field(description="Sản phẩm.")
    term: str = strawberry.field(description="Thời hạn như kế hoạch ghi.")
    why: str = strawberry.field(description="Vì sao không theo dõi.")


@strawberry.type(description="Một cảnh báo về một dòng của kế hoạch: kế hoạch vẫn được nhận.")
class PlanWarning:
    row: int = strawberry.field(description="Dòng của kế hoạch.")
    code: str = strawberry.field(description="Mã cảnh báo: OVERDUE_AT_ENTRY (thời hạn đã qua khi "
                                             "nhập kế hoạch, nhiệm vụ quá hạn ngay từ đầu).")
    message: str = strawberry.field(description="Nội dung cảnh báo.")


@strawberry.type(description="Kế hoạch: một văn bản giao nhiều nhiệm vụ cho nhiều đơn vị.")
class Plan:
    row: strawberry.Private[models.Plan]

    @strawberry.field(description="Mã kế hoạch.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Số, ký hiệu.")
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="Ngày ban hành.")
    def issued_on(self) -> date | None:
        return self.row.issued_on

    @strawberry.field(description="Trích yếu.")
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field(description="Căn cứ ban hành.")
    def basis(self) -> str | None:
        return self.row.basis

    @strawberry.field(description="Số nhiệm vụ kế hoạch giao.")
    def task_count(self) -> int:
        return self.row.task_count

    @strawberry.field(description="Thời điểm nhập vào hệ thống.")
    def created_at(self) -> datetime:
        return as_aware(self.row.created_at)

    @strawberry.field(description="Các sản phẩm không theo dõi (thời hạn \"Theo yêu cầu\"), "
                                  "mỗi sản phẩm kèm lý do.")
    def untracked(self) -> list[PlanUntracked]:
        return [PlanUntracked(row=u["row"], description=u["description"], term=u["term"],
                              why=u["why"]) for u in json.loads(self.row.untracked or "[]")]

    @strawberry.field(description="Cảnh báo theo dòng: nhiệm vụ có thời hạn đã qua khi nhập kế "
                                  "hoạch (ký trước, nhập sau) vẫn được giao theo đúng thời hạn của "
                                  "kế hoạch và tính là quá hạn ngay từ đầu.")
    async def warnings(self, info: Info) -> list[PlanWarning]:
        row = self.row
        found = await info.context.db(lambda s: plan_warnings(s, row))
        return [PlanWarning(row=w.row, code=w.code, message=w.message) for w in found]

    @strawberry.field(description="Người ban hành (giao các nhiệm vụ).")
    async def issued_by(self, info: Info) -> Official:
        return await load_official(info, self.row.issuer_id)

    @strawberry.field(description="Người nhập thay người ký (cán bộ Văn phòng nhập kế hoạch đã "
                                  "ký trên giấy); null nếu người ký tự nhập.")
    async def entered_by(self, info: Info) -> Official | None:
        if not self.row.entered_by_id:
            return None
        return await load_official(info, self.row.entered_by_id)

    @strawberry.field(description="Đơn vị ban hành.")
    async def issuer_unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.issuer_unit_id)

    @strawberry.field(description="Nhiệm vụ (của kế hoạch cấp trên) mà kế hoạch này là sản "
                                  "phẩm; null nếu không có hoặc người hỏi không được xem.")
    async def fulfils(self, info: Info) -> Task | None:
        if not self.row.fulfils_task_id:
            return None
        viewer = await info.context.viewer()
        task_id = self.row.fulfils_task_id
        found = await info.context.db(lambda s: readable_task(s, viewer, task_id))
        return Task(row=found) if found else None

    @strawberry.field(description="Các nhiệm vụ yêu cầu đơn vị ban hành kế hoạch của mình (sản "
                                  "phẩm là kế hoạch) và kế hoạch đã ban hành, nếu có.")
    async def cascade(self, info: Info) -> list[PlanCascadeItem]:
        viewer = await info.context.viewer()
        plan_id = self.row.id
        found = await info.context.db(lambda s: plan_cascade(s, viewer, plan_id))
        return [PlanCascadeItem(task_row=c.task, plan_row=c.plan) for c in found]

    @strawberry.field(description="Các đơn vị chưa ban hành kế hoạch của mình theo yêu cầu của kế "
                                  "hoạch này.")
    async def not_issued(self, info: Info) -> list[Unit]:
        viewer = await info.context.viewer()
        plan_id = self.row.id
        found = await info.context.db(lambda s: plan_cascade(s, viewer, plan_id))
        return [await load_unit(info, c.task.lead_unit_id) for c in found if c.plan is None]

    @strawberry.field(description="Kiểm đếm toàn bộ nhiệm vụ của kế hoạch (trong phạm vi người "
                                  "hỏi được xem).")
    async def counts(self, info: Info) -> Counts:
        total = Figures()
        for figures in (await _rollup(info, self.row.id)).values():
            total.add(figures)
        return Counts.of(total)

    @strawberry.field(description="Kiểm đếm theo đơn vị chủ trì.")
    async def by_unit(self, info: Info) -> list[PlanUnitCounts]:
        rollup = await _rollup(info, self.row.id)
        return [PlanUnitCounts(unit_id=u, counts=Counts.of(f)) for u, f in sorted(rollup.items())]


async def _rollup(info: Info, plan_id: str) -> dict[str, Figures]:
    return await info.context.loaders.plan_rollups.load(plan_id)


async def _plan(info: Info, plan_id: str) -> Plan:
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_plan(s, viewer, plan_id))
    if row is None:
        raise not_found("Không tìm thấy kế hoạch.")
    return Plan(row=row)


def _service(info: Info) -> PlanService:
    return PlanService(info.context.service, info.context.app.scheduler)


@strawberry.field(description="Một kế hoạch; null nếu không có hoặc người hỏi không được xem.")
async def plan(info: Info, id: strawberry.ID) -> Plan | None:
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_plan(s, viewer, str(id)))
    return Plan(row=row) if row else None


@strawberry.field(description=f"Các kế hoạch người hỏi được xem, mới nhất trước (tối đa "
                              f"{MAX_PLANS}).")
async def plans(info: Info, filter: PlanFilterInput | None = None,
                first: int | None = 50) -> list[Plan]:
    viewer = await info.context.viewer()
    f = PlanFilter(
        issuer_unit_id=str(filter.issuer_unit_id) if filter and filter.issuer_unit_id
        else None, search=filter.search if filter else None)
    limit = max(0, min(MAX_PLANS, 50 if first is None else first))
    rows = await info.context.db(lambda s: list_plans(s, viewer, f, limit))
    return [Plan(row=r) for r in rows]


@strawberry.mutation(description="Ban hành kế hoạch: tạo kế hoạch và tất cả nhiệm vụ của nó "
                                 "trong một bước; một dòng sai thì không tạo gì, mọi lỗi nêu "
                                 "kèm dòng (extensions.fields[].row).")
async def create_plan(info: Info, input: PlanInput) -> Plan:
    viewer = await info.context.viewer()
    signer = str(input.issued_by_id) if input.issued_by_id else viewer.id
    plan_id = await _service(info).create(signer, input.client_key, input.to_draft(),
                                          entered_by=viewer.id)
    return await _plan(info, plan_id)


@strawberry.mutation(description=f"Nhập kế hoạch từ tệp: XLSX (cột STT, Nội dung nhiệm vụ, Đơn "
                                 f"vị chủ trì, Đơn vị phối hợp, Sản phẩm, Thời hạn…), YAML "
                                 f"hoặc JSON (các trường của createPlan); tối đa "
                                 f"{MAX_FILE_BYTES // 1024} KB.")
async def import_plan(
    info: Info, file: Upload, client_key: str, fulfils_task_id: strawberry.ID | None = None,
    issued_by_id: Annotated[strawberry.ID | None, strawberry.argument(
        description=ISSUED_BY)] = None,
) -> Plan:
    viewer = await info.context.viewer()
    data = await file.read(MAX_FILE_BYTES + 1)  # type: ignore[attr-defined]
    name = getattr(file, "filename", None) or ""
    plan_id = await _service(info).import_file(
        str(issued_by_id) if issued_by_id else viewer.id, client_key, name, data,
        fulfils_task_id=str(fulfils_task_id) if fulfils_task_id else None,
        entered_by=viewer.id)
    return await _plan(info, plan_id)
