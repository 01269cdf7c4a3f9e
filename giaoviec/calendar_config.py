"""The working calendar as configured: yearly overrides from a YAML file,

    extra_days_off: [2026-12-31]        # decided by the Government or the province
    extra_working_days: [2027-01-09]    # a Saturday worked to make up a swap

and those an admin sets through the API (kept in the read model; they win over the file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from domain.calendar import CalendarOverrides, WorkingCalendar
from giaoviec.config import Settings
from workflows.contracts import CalendarConfig


def _dates(values: object, key: str) -> list[date]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise ValueError(f"'{key}' phải là một danh sách ngày (YYYY-MM-DD).")
    return [v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values]


def load_calendar_config(path: Path | None) -> CalendarConfig:
    if path is None:
        return CalendarConfig()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return CalendarConfig(
        extra_days_off=_dates(data.get("extra_days_off"), "extra_days_off"),
        extra_working_days=_dates(data.get("extra_working_days"), "extra_working_days"),
    )


def calendar_from(config: CalendarConfig) -> WorkingCalendar:
    return WorkingCalendar(
        CalendarOverrides.from_lists(config.extra_days_off, config.extra_working_days)
    )


def merged(file: CalendarConfig, stored: CalendarConfig) -> CalendarConfig:
    """The file's overrides with the stored ones on top (a stored day decides that day)."""
    decided = set(stored.extra_days_off) | set(stored.extra_working_days)
    return CalendarConfig(
        extra_days_off=sorted({d for d in file.extra_days_off if d not in decided}
                              | set(stored.extra_days_off)),
        extra_working_days=sorted({d for d in file.extra_working_days if d not in decided}
                                  | set(stored.extra_working_days)),
    )


def configured_calendar(
    settings: Settings, stored: CalendarConfig | None = None
) -> tuple[WorkingCalendar, CalendarConfig]:
    config = merged(load_calendar_config(settings.calendar_file), stored or CalendarConfig())
    return calendar_from(config), config
