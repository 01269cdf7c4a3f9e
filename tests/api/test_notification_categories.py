"""An official's notifications by what they are to him — nhắc việc, đôn đốc, cảnh báo báo cáo
cấp trên, khác (domain.notices): the unread count of each, the list of one, and the names of
the categories as the enum describes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from domain.notices import NOTIFICATION_CATEGORY_LABELS_VI
from giaoviec.store.models import Notification
from tests.api.harness import ASSIGN, Api, assign_input, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# kind, read: what the engine writes (domain.commands, domain.milestones, briefings, plans).
SEEDED = [("reminder", False), ("reminder", False), ("overdue", False), ("manual_overdue", False),
          ("escalation", False), ("escalation", True), ("assigned", False), ("event", False),
          ("briefing", False), ("plan_entered", True)]
COUNTS = "{ notificationCounts { unread byCategory { category label unread } } }"
LIST = """query($c: NotificationCategory, $u: Boolean) { notifications(first: 200,
  category: $c, unreadOnly: $u) { id kind category readAt } }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    with Session(db) as s:
        for n, (kind, read) in enumerate(SEEDED):
            s.add(Notification(recipient_id="stc.cb", kind=kind, title=f"Thông báo {n}",
                               body="…", dedup_key=f"cat:{n}",
                               created_at=NOW - timedelta(minutes=n),
                               read_at=NOW if read else None))
        s.commit()
    async with running_api(env, db) as api:
        yield api


async def test_unread_counts_by_category_and_the_list_of_one(api: Api) -> None:
    # A real đôn đốc by the office: the engine's kind lands in its category.
    task = (await api.ok("chutich", ASSIGN, input=assign_input(
        leadUnitId="stc", ownerId="stc.cb", coordinators=[])))["assignTask"]
    await api.ok("vp.cv", "mutation($id: ID!) { remindTask(id: $id, note: \"Khẩn\") { id } }",
                 id=task["id"])
    counts = (await api.ok("stc.cb", COUNTS))["notificationCounts"]
    by = {c["category"]: c["unread"] for c in counts["byCategory"]}
    # The assignment itself told him too ("assigned": another kind).
    assert by == {"REMINDER": 3, "URGE": 2, "ESCALATION": 1, "OTHER": 4}
    assert counts["unread"] == sum(by.values())
    assert [c["category"] for c in counts["byCategory"]] == [
        "REMINDER", "URGE", "ESCALATION", "OTHER"]
    everything = (await api.ok("stc.cb", LIST, c=None, u=False))["notifications"]
    parts: list[str] = []
    for category, unread in by.items():
        listed = (await api.ok("stc.cb", LIST, c=category, u=False))["notifications"]
        parts += [n["id"] for n in listed]
        assert listed and {n["category"] for n in listed} == {category}
        assert sum(1 for n in listed if n["readAt"] is None) == unread
        assert len((await api.ok("stc.cb", LIST, c=category, u=True))["notifications"]) == unread
    assert sorted(n["id"] for n in everything) == sorted(parts)  # each in exactly one
    urged = (await api.ok("stc.cb", LIST, c="URGE", u=False))["notifications"]
    assert {n["kind"] for n in urged} == {"manual_reminder", "manual_overdue"}
    # Someone else's are not counted for him.
    theirs = (await api.ok("gd.stc", COUNTS))["notificationCounts"]
    assert theirs["unread"] == 0 and {c["unread"] for c in theirs["byCategory"]} == {0}


async def test_the_categories_are_named_as_the_enum_describes_them(api: Api) -> None:
    counts = (await api.ok("stc.cb", COUNTS))["notificationCounts"]["byCategory"]
    described = (await api.ok("stc.cb", """{ __type(name: "NotificationCategory") {
      enumValues { name description } } }"""))["__type"]["enumValues"]
    assert {c["category"]: c["label"] for c in counts} == {
        v["name"]: v["description"] for v in described}
    assert {v["description"] for v in described} == set(NOTIFICATION_CATEGORY_LABELS_VI.values())
