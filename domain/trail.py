"""A trail event's details in words, as people read them under the event ("nhắc: còn 3 ngày
làm việc đến hạn", "tiến độ 40%", "hạn đề nghị 15/01/2027"), never the engine's own keys
("overdue", "before-3"). Pure; the API gives it and the dashboard shows it as is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

# The reminder ladder's steps (domain.escalation, domain.milestones) by key.
STEP_LABELS_VI = {
    "before-3": "còn 3 ngày làm việc đến hạn",
    "before-1": "còn 1 ngày làm việc đến hạn",
    "due-morning": "hôm nay là hạn xử lý",
    "overdue": "đã quá hạn",
    "overdue-head": "quá hạn 1 ngày làm việc, báo thủ trưởng đơn vị",
    "overdue-assigner": "quá hạn 3 ngày làm việc, báo người giao",
    "weekly": "vẫn quá hạn, nhắc hằng tuần",
    "milestone-before": "còn 1 ngày làm việc đến mốc tiến độ",
    "milestone-due": "hôm nay đến mốc tiến độ",
}


def step_label(step: str) -> str:
    """"weekly-2" → the weekly repeat's words; a key not known reads as a plain reminder."""
    if step in STEP_LABELS_VI:
        return STEP_LABELS_VI[step]
    return STEP_LABELS_VI.get(step.rsplit("-", 1)[0], "nhắc việc")


def _day(text: str) -> str:
    try:
        return f"{date.fromisoformat(text[:10]):%d/%m/%Y}"
    except ValueError:
        return text


def event_detail(action: str, data: Mapping[str, str]) -> str | None:
    """The details of one event, joined by " · "; None when it has none."""
    bits: list[str] = []
    if data.get("percent"):
        bits.append(f"tiến độ {data['percent']}%")
    if data.get("new_deadline") and action == "change_deadline":
        bits.append(f"hạn mới {_day(data['new_deadline'])}")
        if data.get("previous_deadline"):
            bits.append(f"hạn trước đó {_day(data['previous_deadline'])}")
    elif data.get("new_deadline"):
        bits.append(f"hạn đề nghị {_day(data['new_deadline'])}")
    if data.get("approve"):
        bits.append("đồng ý" if data["approve"] == "true" else "không đồng ý")
    if data.get("output"):
        bits.append(f"sản phẩm: {data['output']}")
    if data.get("milestone"):
        bits.append(f"mốc “{data['milestone']}”")
    if data.get("step"):
        bits.append(f"nhắc: {step_label(data['step'])}")
    if data.get("overdue_reminders") and action == "remind":
        bits.append(f"lần nhắc quá hạn: {data['overdue_reminders']}")
    return " · ".join(bits) or None
