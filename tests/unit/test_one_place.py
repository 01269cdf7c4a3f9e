"""Rules that once had copies live in one place each (a second copy drifts from the first),
and modules stay small enough to hold one concern."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "workflows", "activities", "giaoviec", "api")


def _files_saying(text: str) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for d in PACKAGES for p in (ROOT / d).rglob("*.py")
                  if text in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("text", "home"), [
    # Creating or updating a Temporal Schedule: giaoviec.services.schedules.ensure_schedule.
    (".create_schedule(", "giaoviec/services/schedules.py"),
    ("ScheduleUpdate(", "giaoviec/services/schedules.py"),
    # The time zone's name: domain.timezone.TIME_ZONE.
    ('"Asia/Ho_Chi_Minh"', "domain/timezone.py"),
    # The client key's bounds: domain.inputs.client_key_issue.
    ("INVALID_CLIENT_KEY", "domain/inputs.py"),
])
def test_written_once(text: str, home: str) -> None:
    assert _files_saying(text) == [home]


MAX_MODULE_LINES = 400


def test_no_module_outside_the_api_grows_past_400_lines() -> None:
    # A module that long mixes concerns (the importer read, checked, wrote and handed over;
    # domain.plan parsed wording and held the plan's rules): split it by concern. api/ is
    # held to this by its own reorganisation.
    long = {str(p.relative_to(ROOT)): n for d in PACKAGES if d != "api"
            for p in (ROOT / d).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}
