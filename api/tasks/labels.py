"""`taskLabels`: the Vietnamese names of task states, timeliness and actions, for clients that
show them (the dashboard) — the domain's own lists, the same that describe the GraphQL enums,
and readable where introspection is off (production)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import strawberry

from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI
from domain.timeliness import TIMELINESS_LABELS_VI


@strawberry.type(description="Một giá trị và tên tiếng Việt của nó.")
class Label:
    name: str = strawberry.field(description="Giá trị như API dùng, ví dụ SUBMITTED, APPROVE.")
    label: str = strawberry.field(description="Tên tiếng Việt.")


def _labels(labels: Mapping[Enum, str]) -> list[Label]:
    return [Label(name=member.name, label=text) for member, text in labels.items()]


@strawberry.type(description="Tên tiếng Việt của trạng thái, tình hình thời hạn và thao tác.")
class TaskLabels:
    @strawberry.field(description="Trạng thái xử lý (TaskState).")
    def states(self) -> list[Label]:
        return _labels(STATE_LABELS_VI)

    @strawberry.field(description="Tình hình thời hạn (Timeliness).")
    def timeliness(self) -> list[Label]:
        return _labels(TIMELINESS_LABELS_VI)

    @strawberry.field(description="Thao tác (TaskAction, cùng giao nhiệm vụ và các bước của "
                                  "hệ thống trong quá trình xử lý).")
    def actions(self) -> list[Label]:
        return _labels(ACTION_LABELS_VI)


@strawberry.field(description="Tên tiếng Việt của trạng thái, tình hình thời hạn và thao tác "
                              "nhiệm vụ (cùng danh sách với mô tả các enum).")
def task_labels() -> TaskLabels:
    return TaskLabels()
