"""The task enums GraphQL serves: the domain's own, registered here (import them from here so
the registration has run)."""

from __future__ import annotations

from api.enums import graphql_enum
from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI, Action, TaskState
from domain.timeliness import TIMELINESS_LABELS_VI, Timeliness

__all__ = ["Action", "TaskState", "Timeliness"]

graphql_enum(TaskState, STATE_LABELS_VI, name="TaskState",
             description="Trạng thái xử lý của nhiệm vụ.")
graphql_enum(Action, ACTION_LABELS_VI, name="TaskAction",
             description="Thao tác trên một nhiệm vụ đã giao.", without={Action.ASSIGN})
graphql_enum(Timeliness, TIMELINESS_LABELS_VI, name="Timeliness",
             description="Tình hình thời hạn, tính từ hạn xử lý hiện hành và thời điểm nộp sản "
                         "phẩm được chấp nhận.")
