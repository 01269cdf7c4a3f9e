"""The words of in-app notifications and digest items, in Vietnamese."""

from __future__ import annotations

from datetime import date, datetime

from domain.lifecycle import ACTION_LABELS_VI, Action
from domain.timezone import to_local
from workflows.contracts import EventRecord, TaskRecord

_ACTIONS = {a.value for a in Action}
_STEP_LEAD = {
    "before-3": "còn 3 ngày làm việc đến hạn",
    "before-1": "còn 1 ngày làm việc đến hạn",
    "due-morning": "hôm nay là hạn xử lý",
}


def fmt_time(moment: datetime) -> str:
    local = to_local(moment)
    if (local.hour, local.minute) == (23, 59):
        return local.strftime("%d/%m/%Y")
    return local.strftime("%H:%M ngày %d/%m/%Y")


def compose(
    kind: str, task: TaskRecord, event: EventRecord, actor_name: str | None, unit_name: str
) -> tuple[str, str]:
    """Title and body of one notification."""
    deadline = fmt_time(task.deadline)
    if kind == "assigned_below":
        return (
            f"Nhiệm vụ giao cho đơn vị trực thuộc: {task.title}",
            f"Nhiệm vụ “{task.title}” ({task.basis}) được giao trực tiếp cho {unit_name} chủ "
            f"trì, hạn xử lý {deadline}. Đồng chí theo dõi, chỉ đạo thực hiện.",
        )
    if kind == "assigned":
        return (
            f"Nhiệm vụ mới: {task.title}",
            f"Đồng chí được giao chủ trì nhiệm vụ “{task.title}” ({task.basis}). "
            f"Đơn vị chủ trì: {unit_name}. Hạn xử lý: {deadline}. "
            f"Sản phẩm: {task.product.kind} – {task.product.description}.",
        )
    step = event.data.get("step", "")
    count = event.data.get("overdue_reminders", "0")
    if kind in ("manual_reminder", "manual_overdue"):
        who = actor_name or "Văn phòng"
        state = (f"đã quá hạn xử lý ({deadline}), đã nhắc {count} lần"
                 if kind == "manual_overdue" else f"có hạn xử lý {deadline}")
        body = (f"{who} đôn đốc đồng chí khẩn trương thực hiện nhiệm vụ “{task.title}”, "
                f"{state}. Tiến độ hiện tại: {task.progress}%.")
        if event.note:
            body += f" Ghi chú: {event.note}"
        return (f"Đôn đốc: {task.title}", body)
    if kind == "reminder" and "milestone" in event.data:
        due = date.fromisoformat(event.data["milestone_due"])
        when = "hôm nay" if step == "milestone-due" else "ngày làm việc tới"
        return (
            f"Mốc tiến độ: {task.title}",
            f"Mốc “{event.data['milestone']}” ({due:%d/%m/%Y}) của nhiệm vụ “{task.title}” "
            f"đến hạn {when}. Tiến độ hiện tại: {task.progress}%.",
        )
    if kind == "reminder":
        lead = _STEP_LEAD.get(step, "sắp đến hạn")
        return (
            f"Nhắc việc: {task.title}",
            f"Nhiệm vụ “{task.title}” {lead} ({deadline}). Tiến độ hiện tại: {task.progress}%.",
        )
    if kind in ("overdue", "escalation"):
        flagged = (
            " Nhiệm vụ đã được đưa vào danh sách nêu tên tại cuộc giao ban tuần."
            if task.flagged else ""
        )
        title = "Quá hạn" if kind == "overdue" else "Cảnh báo quá hạn"
        return (
            f"{title}: {task.title}",
            f"Nhiệm vụ “{task.title}” do {unit_name} chủ trì đã quá hạn xử lý ({deadline}); "
            f"đã nhắc {count} lần. Tiến độ: {task.progress}%.{flagged}",
        )
    label = ACTION_LABELS_VI[Action(event.action)] if event.action in _ACTIONS else event.action
    if event.action == Action.DECIDE_EXTENSION:  # say which way it was decided
        label = ("đồng ý gia hạn" if event.data.get("approve") == "true"
                 else "không đồng ý gia hạn")
    who = actor_name or "Hệ thống"
    # "từ chối nhiệm vụ", "giao nhiệm vụ" already name what they act on
    what = "" if label.endswith("nhiệm vụ") else " nhiệm vụ"
    body = f"{who} đã {label}{what} “{task.title}”."
    if event.note:
        note = event.note.strip()
        body += f" Ghi chú: {note}{'' if note.endswith(('.', '!', '?', '…')) else '.'}"
    if event.action in (Action.DECIDE_EXTENSION, Action.SHIFT_DEADLINE, Action.CHANGE_DEADLINE):
        body += f" Hạn xử lý hiện tại: {deadline}."
    if event.action == Action.REQUEST_EXTENSION and task.extension is not None:
        body += f" Thời hạn đề nghị: {fmt_time(task.extension.new_deadline)}."
    return (f"{label[:1].upper()}{label[1:]}: {task.title}", body)
