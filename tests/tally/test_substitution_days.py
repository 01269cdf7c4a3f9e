"""One substitute a day, held by the database (issue 16, item 11): requests that all passed
the overlap check at once (9 parallel setSubstitute gave 2 overlapping) record one; a
cancelled substitution frees its days; an id beyond the database's integers is NOT_FOUND."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import giaoviec.services.substitutes as substitutes
from domain.errors import Code, DomainError
from giaoviec.store.models import Substitution, SubstitutionDay

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)
MONDAY = date(2026, 12, 7)


def test_racing_requests_record_one_substitute_a_day(
        any_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.org_fixture import seed_small_org

    with Session(any_engine) as s:
        seed_small_org(s)
    # Every request reads before any writes, as concurrent ones do: the check sees no overlap.
    monkeypatch.setattr(substitutes, "spans_of", lambda session, official_id: [])

    def name(n: int) -> str:
        start = MONDAY + timedelta(days=n % 3)
        substitutes.set_substitute(any_engine, "gd.snv", "snv.cb1", "snv.cb2", start,
                                   start + timedelta(days=3), "Nghỉ phép", now=NOW)
        return "ok"

    def attempt(n: int) -> str:
        try:
            return name(n)
        except DomainError as err:
            return err.code

    with ThreadPoolExecutor(max_workers=9) as pool:
        results = list(pool.map(attempt, range(9)))
    assert results.count("ok") == 1, results
    assert set(results) == {"ok", Code.CONFLICT}
    with Session(any_engine) as s:
        assert len(s.exec(select(Substitution)).all()) == 1
        days = s.exec(select(SubstitutionDay)).all()
    assert len(days) == 4 and len({d.day for d in days}) == 4


def test_a_cancelled_substitution_frees_its_days(org_engine: Engine) -> None:
    first = substitutes.set_substitute(org_engine, "gd.snv", "snv.cb1", "snv.cb2", MONDAY,
                                       MONDAY + timedelta(days=2), "Nghỉ phép", now=NOW)
    assert first.id is not None
    substitutes.cancel_substitute(org_engine, "gd.snv", first.id, now=NOW)
    again = substitutes.set_substitute(org_engine, "gd.snv", "snv.cb1", "snv.cb2", MONDAY,
                                       MONDAY + timedelta(days=2), "Đi công tác", now=NOW)
    with Session(org_engine) as s:
        days = s.exec(select(SubstitutionDay)).all()
    assert {d.substitution_id for d in days} == {again.id}


@pytest.mark.parametrize("bad", [99999999999999999999999999, 2**63, 0, -1])
def test_an_id_no_database_stores_is_not_found(org_engine: Engine, bad: int) -> None:
    with pytest.raises(DomainError) as caught:
        substitutes.cancel_substitute(org_engine, "gd.snv", bad, now=NOW)
    assert caught.value.code == Code.NOT_FOUND
