"""The dashboard's read functions agree with the rules they stand in for."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.calendar import WorkingCalendar
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import viewer_for
from giaoviec.reads.org_counts import counts_with_descendants, subtree_groups, within
from tests.api.test_queries import population
from tests.org_fixture import UNITS, seed_small_org, unit_path


def test_the_one_unit_fast_path_equals_counts_with_descendants(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_small_org(s)
        population(s)
        clock = Clock.at(datetime.now(UTC), WorkingCalendar())
        for username in ("chutich", "gd.snv", "snv.cb2", "xa1.cb", "vp.cv"):
            viewer = viewer_for(s, username)
            assert viewer is not None
            for unit_id, *_ in UNITS:
                fast = counts_with_descendants(s, viewer, [unit_id], clock)
                path = unit_path(unit_id)
                grouped = within(subtree_groups(s, viewer, path, clock), {unit_id: path})
                assert fast == grouped, (username, unit_id)
        assert counts_with_descendants(s, viewer, ["no-such-unit"], clock) == {}
