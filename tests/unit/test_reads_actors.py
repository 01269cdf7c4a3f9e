"""Officials as the rules see them, read in a batch (giaoviec.reads.org.actors_of,
actors_by_id): the same actors as one by one, in one statement however many officials — what
awaits a province chairman's decision asks it of one assigner per commune (docs/benchmarks.md,
"A million tasks")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from giaoviec.reads.org import actor_of, actors_by_id, actors_of
from giaoviec.store.models import Official, Unit
from tests.org_fixture import seed_small_org


def test_a_batch_of_actors_is_the_actors_one_by_one_in_one_statement(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        seed_small_org(session)
        province = session.get(Unit, "tinh")
        assert province is not None
        province.tracking_unit_id = "vp"  # its office tracks the province's tasks
        session.commit()
        officials = list(session.scalars(select(Official)).all())
        one_by_one = {o.id: actor_of(session, o) for o in officials}
        sent: list[str] = []

        def count(*args: Any) -> None:
            sent.append(args[2])

        event.listen(any_engine, "before_cursor_execute", count)
        try:
            together = actors_of(session, officials)
            queries = len(sent)
            by_id = actors_by_id(session, [*one_by_one, "no-such-official"])
        finally:
            event.remove(any_engine, "before_cursor_execute", count)
    assert together == one_by_one
    assert one_by_one["vp.cv"].tracks_path == ("tinh",)  # spelled out, not only compared
    assert (one_by_one["tccb.cb"].unit_path, one_by_one["tccb.cb"].unit_kind) == (
        ("tinh", "snv", "snv-tccb"), "division")
    assert len(officials) == 12 and queries == 1, sent
    # by id (what awaits a decision asks of its assigners): the same actors, one statement
    assert by_id == one_by_one and len(sent) == queries + 1, sent
    assert actors_of(session, []) == {} and actors_by_id(session, []) == {}
