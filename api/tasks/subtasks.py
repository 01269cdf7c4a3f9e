"""Splitting a task into sub-tasks: splitTask."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.tasks.inputs import AssignTaskInput
from api.tasks.types import Task
from domain.errors import not_found
from giaoviec.reads.visibility import readable_tasks
from giaoviec.services.subtasks import SubtaskPart, SubtaskService


@strawberry.input(description="Một nhiệm vụ con: đủ \"06 rõ\" như một nhiệm vụ, giao cho đơn vị "
                              "chủ trì của nhiệm vụ hoặc đơn vị trực thuộc, hạn không sau hạn "
                              "của nhiệm vụ; bỏ trống căn cứ thì dùng căn cứ của nhiệm vụ.")
class SubtaskInput(AssignTaskInput):
    pass


@strawberry.mutation(description="Chia nhiệm vụ thành các nhiệm vụ con (thủ trưởng đơn vị chủ "
                                 "trì hoặc lãnh đạo cấp trên); mọi phần hợp lệ mới tạo, lỗi "
                                 "của phần thứ n có row = n.")
async def split_task(info: Info, id: strawberry.ID, parts: list[SubtaskInput]) -> list[Task]:
    viewer = await info.context.viewer()
    service = SubtaskService(info.context.service)
    made = await service.split(viewer.id, str(id), [
        SubtaskPart(p.client_key, p.to_draft()) for p in parts])
    ids = [r.id for r in made]
    rows = await info.context.db(lambda s: readable_tasks(s, viewer, ids))
    if len(rows) != len(ids):
        raise not_found("Không tìm thấy nhiệm vụ.")
    return [Task(row=rows[i]) for i in ids]
