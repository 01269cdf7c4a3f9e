"""The task lifecycle: assignTask and every action on an assigned task, each through the task
service and answered with the task as it stands after the change."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.tasks.inputs import AssignTaskInput, OutputInput
from api.tasks.types import Task
from domain.errors import not_found
from domain.lifecycle import Action
from giaoviec.reads.visibility import readable_task


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


@strawberry.mutation(description="Giao nhiệm vụ (người có thẩm quyền với đơn vị chủ trì).")
async def assign_task(info: Info, input: AssignTaskInput) -> Task:
    viewer = await info.context.viewer()
    record = await info.context.service.assign(viewer.id, input.client_key, input.to_draft())
    return await _task(info, record.id)


@strawberry.mutation(description="Tiếp nhận nhiệm vụ (người chịu trách nhiệm chính).")
async def accept_task(info: Info, id: strawberry.ID) -> Task:
    return await _act(info, id, Action.ACCEPT)


@strawberry.mutation(description="Báo cáo tiến độ (%).")
async def report_progress(
    info: Info, id: strawberry.ID, percent: int, note: str | None = None
) -> Task:
    return await _act(info, id, Action.REPORT_PROGRESS, percent=percent, note=note)


@strawberry.mutation(description="Nộp sản phẩm để người giao xác nhận; còn nhiệm vụ con chưa "
                                 "hoàn thành thì chỉ thủ trưởng đơn vị chủ trì được nộp, "
                                 "kèm lý do (note).")
async def submit_output(
    info: Info, id: strawberry.ID, output: OutputInput, note: str | None = None
) -> Task:
    return await _act(info, id, Action.SUBMIT, output=output.to_output(), note=note)


@strawberry.mutation(description="Xác nhận hoàn thành (người giao hoặc lãnh đạo cấp trên).")
async def approve_task(info: Info, id: strawberry.ID, note: str | None = None) -> Task:
    return await _act(info, id, Action.APPROVE, note=note)


@strawberry.mutation(description="Trả lại để thực hiện lại, nêu lý do.")
async def return_task(info: Info, id: strawberry.ID, reason: str) -> Task:
    return await _act(info, id, Action.RETURN, note=reason)


@strawberry.mutation(description="Từ chối nhiệm vụ (giao không đúng địa chỉ), nêu lý do.")
async def decline_task(info: Info, id: strawberry.ID, reason: str) -> Task:
    return await _act(info, id, Action.DECLINE, note=reason)


@strawberry.mutation(description="Đề nghị gia hạn, nêu thời hạn mới và lý do.")
async def request_extension(
    info: Info, id: strawberry.ID, new_deadline: datetime, reason: str
) -> Task:
    return await _act(info, id, Action.REQUEST_EXTENSION, new_deadline=new_deadline,
                      note=reason)


@strawberry.mutation(description="Quyết định đề nghị gia hạn (đồng ý thì hạn mới có hiệu lực); "
                                 "shiftSubtasks: dời hạn các nhiệm vụ con chưa hoàn thành "
                                 "thêm bấy nhiêu ngày làm việc.")
async def decide_extension(
    info: Info, id: strawberry.ID, approve: bool, note: str | None = None,
    shift_subtasks: bool = False,
) -> Task:
    return await _act(info, id, Action.DECIDE_EXTENSION, approve=approve, note=note,
                      shift_subtasks=shift_subtasks)


@strawberry.mutation(description="Đổi hạn xử lý (người giao hoặc người có thẩm quyền quyết định "
                                 "gia hạn), nêu lý do: hạn mới chưa qua, khác hạn hiện hành; "
                                 "việc nhắc và cảnh báo tính lại từ hạn mới; đề nghị gia hạn "
                                 "đang chờ (nếu có) không còn hiệu lực. clientKey: mã của "
                                 "yêu cầu — gửi lại cùng mã (khi mất trả lời) không đổi gì "
                                 "thêm.")
async def change_deadline(
    info: Info, id: strawberry.ID, deadline: datetime, reason: str,
    client_key: str | None = None,
) -> Task:
    return await _act(info, id, Action.CHANGE_DEADLINE, new_deadline=deadline, note=reason,
                      client_key=client_key)


@strawberry.mutation(description="Giao lại cho người (và đơn vị) khác, nêu lý do.")
async def reassign_task(
    info: Info, id: strawberry.ID, owner_id: strawberry.ID, reason: str,
    lead_unit_id: strawberry.ID | None = None,
) -> Task:
    return await _act(info, id, Action.REASSIGN, new_owner_id=str(owner_id),
                      new_lead_unit_id=str(lead_unit_id) if lead_unit_id else None,
                      note=reason)


@strawberry.mutation(description="Tạm dừng nhiệm vụ, nêu lý do; không nhắc việc khi tạm dừng.")
async def pause_task(info: Info, id: strawberry.ID, reason: str) -> Task:
    return await _act(info, id, Action.PAUSE, note=reason)


@strawberry.mutation(description="Tiếp tục nhiệm vụ; hạn xử lý lùi theo số ngày làm việc "
                                 "đã tạm dừng.")
async def resume_task(info: Info, id: strawberry.ID) -> Task:
    return await _act(info, id, Action.RESUME)


@strawberry.mutation(description="Đôn đốc người chịu trách nhiệm (Văn phòng, người giao, "
                                 "lãnh đạo cấp trên hoặc thủ trưởng đơn vị chủ trì): ghi vào "
                                 "quá trình xử lý, tính cùng các lần nhắc tự động; mỗi nhiệm "
                                 "vụ tối đa một lần trong 24 giờ.")
async def remind_task(info: Info, id: strawberry.ID, note: str | None = None) -> Task:
    return await _act(info, id, Action.REMIND, note=note)


@strawberry.mutation(description="Hủy nhiệm vụ, nêu lý do; các nhiệm vụ con chưa hoàn thành "
                                 "cũng bị hủy với lý do ấy.")
async def cancel_task(info: Info, id: strawberry.ID, reason: str) -> Task:
    return await _act(info, id, Action.CANCEL, note=reason)
