"""Query and Mutation: reads scoped to the viewer, every change through the task service."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.inputs import AssignTaskInput, OutputInput, TaskFilter
from api.types import (
    Notification,
    Official,
    PageInfo,
    Task,
    TaskConnection,
    TaskEdge,
    TaskEvent,
    Unit,
    load_official,
)
from domain.errors import not_found
from domain.lifecycle import Action
from giaoviec.reads.notifications import MAX_NOTIFICATIONS, notifications_for
from giaoviec.reads.org import root_units
from giaoviec.reads.tasks import MAX_PAGE, list_tasks
from giaoviec.reads.tasks import TaskFilter as TaskFilterQuery
from giaoviec.reads.visibility import readable_task, task_history
from giaoviec.services.notifications import mark_read


async def _task(info: Info, task_id: str) -> Task:
    """The task as the read model holds it right after a change (read-your-writes)."""
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_task(s, viewer, task_id))
    if row is None:
        raise not_found("Không tìm thấy nhiệm vụ.")
    return Task(row=row)


async def _act(info: Info, task_id: strawberry.ID, action: Action, **payload: object) -> Task:
    viewer = await info.context.viewer()
    await info.context.service.act(viewer.id, str(task_id), action, **payload)
    return await _task(info, str(task_id))


@strawberry.type(description="Các câu hỏi đọc dữ liệu.")
class Query:
    @strawberry.field(description="Cán bộ đang đăng nhập.")
    async def me(self, info: Info) -> Official:
        viewer = await info.context.viewer()
        return await load_official(info, viewer.id)

    @strawberry.field(description="Một nhiệm vụ; null nếu không có hoặc người hỏi không được xem.")
    async def task(self, info: Info, id: strawberry.ID) -> Task | None:
        viewer = await info.context.viewer()
        row = await info.context.db(lambda s: readable_task(s, viewer, str(id)))
        return Task(row=row) if row else None

    @strawberry.field(description=f"Danh sách nhiệm vụ người hỏi được xem, sắp theo hạn xử lý; "
                                  f"tối đa {MAX_PAGE} nhiệm vụ một trang.")
    async def tasks(
        self, info: Info, filter: TaskFilter | None = None, first: int | None = 50,
        after: str | None = None,
    ) -> TaskConnection:
        viewer = await info.context.viewer()
        first = 50 if first is None else first
        query = filter.to_query() if filter else TaskFilterQuery()
        clock = info.context.clock
        page = await info.context.db(
            lambda s: list_tasks(s, viewer, query, clock, first=first, after=after)
        )
        edges = [TaskEdge(cursor=c, node=Task(row=t)) for c, t in zip(page.cursors, page.tasks,
                                                                        strict=True)]
        return TaskConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next, has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total,
        )

    @strawberry.field(description="Một đơn vị.")
    async def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        await info.context.viewer()
        row = await info.context.loaders.unit.load(str(id))
        return Unit(row=row) if row else None

    @strawberry.field(description="Các đơn vị trực thuộc parentId; các đơn vị gốc khi bỏ trống.")
    async def units(self, info: Info, parent_id: strawberry.ID | None = None) -> list[Unit]:
        await info.context.viewer()
        if parent_id is not None:
            return [Unit(row=r) for r in await info.context.loaders.children.load(str(parent_id))]
        return [Unit(row=r) for r in await info.context.db(root_units)]

    @strawberry.field(description=f"Thông báo của người đăng nhập, mới nhất trước "
                                  f"(tối đa {MAX_NOTIFICATIONS}).")
    async def notifications(
        self, info: Info, unread_only: bool | None = False, first: int | None = 50
    ) -> list[Notification]:
        viewer = await info.context.viewer()
        first = 50 if first is None else first
        rows = await info.context.db(lambda s: notifications_for(
            s, viewer, unread_only=bool(unread_only), first=first))
        return [Notification(row=n) for n in rows]

    @strawberry.field(description="Toàn bộ quá trình xử lý nhiệm vụ, cũ nhất trước.")
    async def task_history(self, info: Info, id: strawberry.ID) -> list[TaskEvent]:
        viewer = await info.context.viewer()
        rows = await info.context.db(lambda s: task_history(s, viewer, str(id)))
        return [TaskEvent(row=r) for r in rows]


@strawberry.type(description="Các thao tác thay đổi dữ liệu; mỗi thao tác trả lại nhiệm vụ "
                             "đã cập nhật.")
class Mutation:
    @strawberry.mutation(description="Giao nhiệm vụ (người có thẩm quyền với đơn vị chủ trì).")
    async def assign_task(self, info: Info, input: AssignTaskInput) -> Task:
        viewer = await info.context.viewer()
        record = await info.context.service.assign(viewer.id, input.client_key, input.to_draft())
        return await _task(info, record.id)

    @strawberry.mutation(description="Tiếp nhận nhiệm vụ (người chịu trách nhiệm chính).")
    async def accept_task(self, info: Info, id: strawberry.ID) -> Task:
        return await _act(info, id, Action.ACCEPT)

    @strawberry.mutation(description="Báo cáo tiến độ (%).")
    async def report_progress(
        self, info: Info, id: strawberry.ID, percent: int, note: str | None = None
    ) -> Task:
        return await _act(info, id, Action.REPORT_PROGRESS, percent=percent, note=note)

    @strawberry.mutation(description="Nộp sản phẩm để người giao xác nhận; còn nhiệm vụ con chưa "
                                     "hoàn thành thì chỉ thủ trưởng đơn vị chủ trì được nộp, "
                                     "kèm lý do (note).")
    async def submit_output(
        self, info: Info, id: strawberry.ID, output: OutputInput, note: str | None = None
    ) -> Task:
        return await _act(info, id, Action.SUBMIT, output=output.to_output(), note=note)

    @strawberry.mutation(description="Xác nhận hoàn thành (người giao hoặc lãnh đạo cấp trên).")
    async def approve_task(self, info: Info, id: strawberry.ID, note: str | None = None) -> Task:
        return await _act(info, id, Action.APPROVE, note=note)

    @strawberry.mutation(description="Trả lại để thực hiện lại, nêu lý do.")
    async def return_task(self, info: Info, id: strawberry.ID, reason: str) -> Task:
        return await _act(info, id, Action.RETURN, note=reason)

    @strawberry.mutation(description="Từ chối nhiệm vụ (giao không đúng địa chỉ), nêu lý do.")
    async def decline_task(self, info: Info, id: strawberry.ID, reason: str) -> Task:
        return await _act(info, id, Action.DECLINE, note=reason)

    @strawberry.mutation(description="Đề nghị gia hạn, nêu thời hạn mới và lý do.")
    async def request_extension(
        self, info: Info, id: strawberry.ID, new_deadline: datetime, reason: str
    ) -> Task:
        return await _act(info, id, Action.REQUEST_EXTENSION, new_deadline=new_deadline,
                          note=reason)

    @strawberry.mutation(description="Quyết định đề nghị gia hạn (đồng ý thì hạn mới có hiệu lực); "
                                     "shiftSubtasks: dời hạn các nhiệm vụ con chưa hoàn thành "
                                     "thêm bấy nhiêu ngày làm việc.")
    async def decide_extension(
        self, info: Info, id: strawberry.ID, approve: bool, note: str | None = None,
        shift_subtasks: bool = False,
    ) -> Task:
        return await _act(info, id, Action.DECIDE_EXTENSION, approve=approve, note=note,
                          shift_subtasks=shift_subtasks)

    @strawberry.mutation(description="Giao lại cho người (và đơn vị) khác, nêu lý do.")
    async def reassign_task(
        self, info: Info, id: strawberry.ID, owner_id: strawberry.ID, reason: str,
        lead_unit_id: strawberry.ID | None = None,
    ) -> Task:
        return await _act(info, id, Action.REASSIGN, new_owner_id=str(owner_id),
                          new_lead_unit_id=str(lead_unit_id) if lead_unit_id else None,
                          note=reason)

    @strawberry.mutation(description="Tạm dừng nhiệm vụ, nêu lý do; không nhắc việc khi tạm dừng.")
    async def pause_task(self, info: Info, id: strawberry.ID, reason: str) -> Task:
        return await _act(info, id, Action.PAUSE, note=reason)

    @strawberry.mutation(description="Tiếp tục nhiệm vụ; hạn xử lý lùi theo số ngày làm việc "
                                     "đã tạm dừng.")
    async def resume_task(self, info: Info, id: strawberry.ID) -> Task:
        return await _act(info, id, Action.RESUME)

    @strawberry.mutation(description="Đôn đốc người chịu trách nhiệm (Văn phòng, người giao, "
                                     "lãnh đạo cấp trên hoặc thủ trưởng đơn vị chủ trì): ghi vào "
                                     "quá trình xử lý, tính cùng các lần nhắc tự động; mỗi nhiệm "
                                     "vụ tối đa một lần trong 24 giờ.")
    async def remind_task(self, info: Info, id: strawberry.ID, note: str | None = None) -> Task:
        return await _act(info, id, Action.REMIND, note=note)

    @strawberry.mutation(description="Hủy nhiệm vụ, nêu lý do; các nhiệm vụ con chưa hoàn thành "
                                     "cũng bị hủy với lý do ấy.")
    async def cancel_task(self, info: Info, id: strawberry.ID, reason: str) -> Task:
        return await _act(info, id, Action.CANCEL, note=reason)

    @strawberry.mutation(description="Đánh dấu đã đọc các thông báo của mình; trả lại số đã đánh "
                                     "dấu.")
    async def mark_notifications_read(self, info: Info, ids: list[strawberry.ID]) -> int:
        viewer = await info.context.viewer()
        engine = info.context.app.engine
        return await asyncio.to_thread(mark_read, engine, viewer.id, [str(i) for i in ids])
