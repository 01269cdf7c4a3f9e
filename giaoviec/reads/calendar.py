"""The working calendar's overrides an admin has set (CalendarOverride rows)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.calendar import WorkingCalendar
from giaoviec.calendar_config import configured_calendar
from giaoviec.config import Settings
from giaoviec.store.models import CalendarOverride
from workflows.contracts import CalendarConfig


def stored_overrides(session: Session) -> CalendarConfig:
    rows = session.exec(select(CalendarOverride).order_by(col(CalendarOverride.day))).all()
    return CalendarConfig(
        extra_days_off=[r.day for r in rows if not r.working],
        extra_working_days=[r.day for r in rows if r.working],
    )


def current_calendar(settings: Settings, session: Session) -> tuple[WorkingCalendar,
                                                                   CalendarConfig]:
    """The working calendar as it stands now: the file's overrides and the stored ones."""
    return configured_calendar(settings, stored_overrides(session))
