"""The task enums GraphQL serves: the domain's own, registered once here (import them from here
so the registration has run)."""

from __future__ import annotations

from api.enums import graphql_enum
from domain import lifecycle, timeliness

TaskState = graphql_enum(lifecycle.TaskState, lifecycle.STATE_LABELS_VI, name="TaskState",
                         description="Trạng thái xử lý của nhiệm vụ.")
Action = graphql_enum(lifecycle.Action, lifecycle.ACTION_LABELS_VI, name="TaskAction",
                      description="Thao tác trên một nhiệm vụ đã giao.",
                      without={lifecycle.Action.ASSIGN})
Timeliness = graphql_enum(timeliness.Timeliness, timeliness.TIMELINESS_LABELS_VI,
                          name="Timeliness",
                          description="Tình hình thời hạn, tính từ hạn xử lý hiện hành và thời "
                                      "điểm nộp sản phẩm được chấp nhận.")
