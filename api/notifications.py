"""In-app notifications: the Notification type, `notifications`, `markNotificationsRead`."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from api.context import Info
from domain.timezone import as_aware
from giaoviec.reads.notifications import MAX_NOTIFICATIONS, notifications_for
from giaoviec.services.notifications import mark_read
from giaoviec.store import models


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


@strawberry.field(description=f"Thông báo của người đăng nhập, mới nhất trước "
                              f"(tối đa {MAX_NOTIFICATIONS}).")
async def notifications(info: Info, unread_only: bool | None = False, first: int | None = 50
                        ) -> list[Notification]:
    viewer = await info.context.viewer()
    count = 50 if first is None else first
    rows = await info.context.db(lambda s: notifications_for(
        s, viewer, unread_only=bool(unread_only), first=count))
    return [Notification(row=n) for n in rows]


@strawberry.mutation(description="Đánh dấu đã đọc các thông báo của mình; trả lại số đã đánh "
                                 "dấu.")
async def mark_notifications_read(info: Info, ids: list[strawberry.ID]) -> int:
    viewer = await info.context.viewer()
    engine = info.context.app.engine
    return await asyncio.to_thread(mark_read, engine, viewer.id, [str(i) for i in ids])
