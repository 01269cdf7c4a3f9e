"""Reading tasks (`task`, `tasks`, `taskHistory`) and checking an assignment as it is typed
(`checkAssignment`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import strawberry

from api.context import Info
from api.selection import asks_for
from api.tasks.inputs import AssignTaskInput, TaskFilter
from api.tasks.types import PageInfo, Task, TaskConnection, TaskEdge, TaskEvent
from domain.errors import FieldIssue
from giaoviec.reads.tasks import MAX_PAGE, list_tasks
from giaoviec.reads.tasks import TaskFilter as TaskFilterQuery
from giaoviec.reads.visibility import readable_task
from giaoviec.reads.visibility import task_history as history_of
from giaoviec.services.checks import check_assignment as issues_of
from giaoviec.store import models


@strawberry.type(description="Một lỗi của một trường dữ liệu, như trong extensions.fields của "
                             "lỗi VALIDATION.")
class FieldError:
    field: str = strawberry.field(description="Trường dữ liệu, ví dụ product.kind.")
    code: str = strawberry.field(description="Mã lỗi ổn định, ví dụ MISSING_PRODUCT.")
    message: str = strawberry.field(description="Thông báo bằng tiếng Việt.")
    ro: str | None = strawberry.field(description="\"Rõ\" bị thiếu hoặc sai, ví dụ rõ sản "
                                                  "phẩm; null nếu không thuộc \"06 rõ\".")

    @classmethod
    def of(cls, issue: FieldIssue) -> FieldError:
        return cls(field=issue.field, code=issue.code, message=issue.message,
                   ro=issue.ro or None)


@strawberry.field(description="Một nhiệm vụ; null nếu không có hoặc người hỏi không được xem.")
async def task(info: Info, id: strawberry.ID) -> Task | None:
    viewer = await info.context.viewer()
    row = await info.context.db(lambda s: readable_task(s, viewer, str(id)))
    return Task(row=row) if row else None


@strawberry.field(description=f"Danh sách nhiệm vụ người hỏi được xem, sắp theo hạn xử lý; "
                              f"tối đa {MAX_PAGE} nhiệm vụ một trang.")
async def tasks(info: Info, filter: TaskFilter | None = None, first: int | None = 50,
                after: str | None = None) -> TaskConnection:
    viewer = await info.context.viewer()
    count = 50 if first is None else first
    query = filter.to_query() if filter else TaskFilterQuery()
    clock = info.context.clock
    page = await info.context.db(
        lambda s: list_tasks(s, viewer, query, clock, first=count, after=after)
    )
    await _read_together(info, page.tasks)
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


async def _read_together(info: Info, rows: list[models.Task]) -> None:
    """The page's lead units and owners, when the query asks for them, in one batch each
    before its tasks resolve: each task's field then answers at once, not one resolver
    awaiting a loader per task."""
    loaders = info.context.loaders
    wanted: list[Awaitable[Any]] = []
    if rows and asks_for(info, "edges", "node", "leadUnit"):
        wanted.append(loaders.unit.load_many(sorted({t.lead_unit_id for t in rows})))
    if rows and asks_for(info, "edges", "node", "owner"):
        wanted.append(loaders.official.load_many(sorted({t.owner_id for t in rows})))
    await asyncio.gather(*wanted)


@strawberry.field(description="Toàn bộ quá trình xử lý nhiệm vụ, cũ nhất trước.")
async def task_history(info: Info, id: strawberry.ID) -> list[TaskEvent]:
    viewer = await info.context.viewer()
    rows = await info.context.db(lambda s: history_of(s, viewer, str(id)))
    return [TaskEvent(row=r) for r in rows]


@strawberry.field(description="Kiểm tra một yêu cầu giao việc mà không giao: trả lại mọi "
                              "lỗi mà assignTask sẽ báo (đủ \"06 rõ\", thẩm quyền); danh "
                              "sách rỗng là hợp lệ. Dùng để kiểm tra ngay khi nhập.")
async def check_assignment(info: Info, input: AssignTaskInput) -> list[FieldError]:
    ctx = info.context
    viewer = await ctx.viewer()
    issues = await issues_of(ctx.service, viewer.id, input.client_key, input.to_draft(),
                             ctx.clock.now)
    return [FieldError.of(i) for i in issues]
