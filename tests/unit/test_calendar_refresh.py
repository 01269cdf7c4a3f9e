"""An admin changes the working calendar through one API process; every other process reads
it again within a minute, so deadlines and new task workflows follow the new calendar
without a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel

from giaoviec.config import Settings
from giaoviec.programs.cli import build_service
from giaoviec.services import tasks
from giaoviec.store.db import make_engine
from giaoviec.store.models import CalendarOverride

DAY = date(2027, 3, 3)  # a Wednesday


async def test_another_process_change_is_read_again_after_the_ttl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cal.db'}")
    SQLModel.metadata.create_all(engine)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    service = build_service(None, engine, settings)  # type: ignore[arg-type]
    assert service.calendar.is_working_day(DAY)
    with Session(engine) as s:  # as set_overrides in another process writes it
        s.add(CalendarOverride(day=DAY, working=False, note="Nghỉ bù", set_by="quantri",
                               set_at=datetime.now(UTC)))
        s.commit()
    assert (await service.fresh_calendar()).is_working_day(DAY)  # within the minute: as read
    monkeypatch.setattr(tasks, "CALENDAR_TTL_SECONDS", 0.0)
    assert not (await service.fresh_calendar()).is_working_day(DAY)
    assert service.calendar_config.extra_days_off == [DAY]  # what new task workflows get
    engine.dispose()
