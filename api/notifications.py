"""In-app notifications: the Notification type, `notifications` (by category too),
`notificationCounts` (unread, in each category), `markNotificationsRead`."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from api.context import Info
from api.enums import graphql_enum
from domain.notices import NOTIFICATION_CATEGORY_LABELS_VI, NotificationCategory, category_of
from domain.timezone import as_aware
from giaoviec.reads.notifications import (
    MAX_NOTIFICATIONS,
    notifications_for,
    unread_by_category,
)
from giaoviec.services.notifications import mark_read
from giaoviec.store import models

graphql_enum(NotificationCategory, NOTIFICATION_CATEGORY_LABELS_VI, name="NotificationCategory",
             description="Loại thông báo theo cách người nhận xem: nhắc việc, đôn đốc, cảnh "
                         "báo báo cáo cấp trên, thông báo khác.")


@strawberry.type(description="Thông báo trong ứng dụng.")
class Notification:
    row: strawberry.Private[models.Notification]

    @strawberry.field(description="Mã thông báo.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="Loại: assigned, reminder, overdue, escalation, event…")
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field(description="Loại thông báo theo cách người nhận xem (nhắc việc, đôn "
                                  "đốc, cảnh báo báo cáo cấp trên, khác).")
    def category(self) -> NotificationCategory:
        return category_of(self.row.kind)

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
async def notifications(info: Info, unread_only: bool | None = False, first: int | None = 50,
                        category: NotificationCategory | None = None) -> list[Notification]:
    viewer = await info.context.viewer()
    count = 50 if first is None else first
    rows = await info.context.db(lambda s: notifications_for(
        s, viewer, unread_only=bool(unread_only), first=count, category=category))
    return [Notification(row=n) for n in rows]


@strawberry.type(description="Số thông báo chưa đọc của một loại.")
class CategoryCount:
    category: NotificationCategory = strawberry.field(description="Loại thông báo.")
    label: str = strawberry.field(description="Tên tiếng Việt của loại (như mô tả của enum).")
    unread: int = strawberry.field(description="Số thông báo chưa đọc.")


@strawberry.type(description="Số thông báo chưa đọc của người đăng nhập.")
class NotificationCounts:
    unread: int = strawberry.field(description="Tổng số thông báo chưa đọc.")
    by_category: list[CategoryCount] = strawberry.field(
        description="Theo từng loại (đủ mọi loại, kể cả loại không có thông báo nào).")


@strawberry.field(description="Số thông báo chưa đọc của người đăng nhập, tổng và theo loại "
                              "(nhắc việc, đôn đốc, cảnh báo báo cáo cấp trên, khác).")
async def notification_counts(info: Info) -> NotificationCounts:
    viewer = await info.context.viewer()
    counts = await info.context.db(lambda s: unread_by_category(s, viewer))
    return NotificationCounts(unread=sum(counts.values()), by_category=[
        CategoryCount(category=c, label=NOTIFICATION_CATEGORY_LABELS_VI[c], unread=n)
        for c, n in counts.items()])


@strawberry.mutation(description="Đánh dấu đã đọc các thông báo của mình; trả lại số đã đánh "
                                 "dấu.")
async def mark_notifications_read(info: Info, ids: list[strawberry.ID]) -> int:
    viewer = await info.context.viewer()
    engine = info.context.app.engine
    return await asyncio.to_thread(mark_read, engine, viewer.id, [str(i) for i in ids])
