"""The one time zone the domain speaks: Asia/Ho_Chi_Minh (UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

# The IANA name, for what takes one (Temporal Schedules' calendars).
TIME_ZONE = "Asia/Ho_Chi_Minh"
# A fixed offset, not zoneinfo: Vietnam has no DST and this keeps workflow code free of tzdata I/O.
VN_TZ = timezone(timedelta(hours=7), TIME_ZONE)
END_OF_DAY = time(23, 59, 59)


def to_local(moment: datetime) -> datetime:
    return as_aware(moment).astimezone(VN_TZ)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def at_local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=VN_TZ)


def end_of_day(day: date) -> datetime:
    return at_local(day, END_OF_DAY)


def as_aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the read model stores them)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
