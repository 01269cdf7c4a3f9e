"""Who asks, read on every request in one statement (`viewer_for`), is the official as the
rules see him (`actor_of`) with those he stands in for today (`standing_in_for`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.timezone import local_date
from giaoviec.reads.org import actor_of, standing_in_for, viewer_for
from giaoviec.store.models import Official, Substitution, Unit
from tests.org_fixture import OFFICIALS, seed_small_org


def _statements(engine: Engine) -> list[str]:
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def _substitution(official: str, substitute: str, starts: int, ends: int,
                  cancelled: bool = False) -> Substitution:
    today = local_date(datetime.now(UTC))
    return Substitution(official_id=official, substitute_id=substitute, reason="Đi công tác",
                        starts_on=today + timedelta(days=starts),
                        ends_on=today + timedelta(days=ends), created_by="chutich",
                        created_at=datetime.now(UTC),
                        cancelled_at=datetime.now(UTC) if cancelled else None)


def test_the_viewer_is_the_rules_official_in_one_statement(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_small_org(s)
        # Two units name the province's office to track their tasks: the first by id counts.
        for unit_id in ("xa1", "snv"):
            unit = s.get(Unit, unit_id)
            assert unit is not None
            unit.tracking_unit_id = "vp"
        s.commit()
        sent = _statements(any_engine)
        for official_id, *_ in OFFICIALS:
            sent.clear()
            viewer = viewer_for(s, official_id)
            assert len(sent) == 1, sent
            official = s.get(Official, official_id)
            assert official is not None and viewer is not None
            assert viewer.actor == actor_of(s, official) and viewer.principals == ()
        office = viewer_for(s, "vp.cv")
        assert office is not None and office.actor.tracks_path == ("tinh", "snv")
        officer = viewer_for(s, "tccb.cb")  # as the rules need him, spelled out
        assert officer is not None and (officer.actor.unit_path, officer.actor.unit_kind,
                                        officer.actor.tracks_path) == (
            ("tinh", "snv", "snv-tccb"), "division", ())
        assert viewer_for(s, "no-such-user") is None


def test_those_he_stands_in_for_today_and_no_one_else(any_engine: Engine) -> None:
    with Session(any_engine) as s:
        seed_small_org(s)
        s.add_all([_substitution("gd.snv", "snv.cb1", -1, 1),
                   _substitution("gd.stc", "snv.cb1", 0, 0),
                   _substitution("pct", "snv.cb1", 1, 3),  # not yet
                   _substitution("chutich", "snv.cb1", -3, -1),  # over
                   _substitution("ct.xa1", "snv.cb1", -1, 1, cancelled=True)])
        inactive = s.get(Official, "gd.stc")
        assert inactive is not None
        s.commit()
        viewer = viewer_for(s, "snv.cb1")
        today = local_date(datetime.now(UTC))
        assert viewer is not None
        expected = tuple(a for a, _ in standing_in_for(s, "snv.cb1", today))
        assert [a.id for a in viewer.principals] == ["gd.snv", "gd.stc"]
        assert viewer.principals == expected
        # One he stands in for who has left is no one's to read through; he who has left
        # signs in as no one.
        inactive.active = False
        s.commit()
        after = viewer_for(s, "snv.cb1")
        assert after is not None and [a.id for a in after.principals] == ["gd.snv"]
        assert viewer_for(s, "gd.stc") is None
