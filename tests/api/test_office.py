"""The office (Văn phòng) tracks its UBND's tasks: it reads every task in the UBND's subtree
and can remind their owners (đôn đốc), recorded in the trail, counted with the automatic
reminders and rate-limited; a commune's office stays within its own commune. Also: leaders
who assign straight to a division tell the department above it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from giaoviec.store.models import Notification, Official, Unit
from tests.api.harness import ASSIGN, Api, assign_input, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")

REMIND = """mutation($id: ID!, $note: String) { remindTask(id: $id, note: $note) {
  id overdueReminders } }"""
HISTORY = "query($id: ID!) { taskHistory(id: $id) { action actor { id } note data } }"
GET = "query($id: ID!) { task(id: $id) { id title } }"
BRIEFING = "query($u: ID) { briefing(unitId: $u) { number } }"
SCORES = "query($u: ID!) { scores(unitId: $u, period: \"2026-W47\") { points } }"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    with Session(db) as s:  # the commune gets an office of its own
        s.add(Unit(id="xa1-vp", name="Văn phòng HĐND và UBND xã Hòa Xá", kind="office",
                   parent_id="xa1", path="/tinh/xa1/xa1-vp/"))
        s.flush()
        s.add(Official(id="xa1.vp", username="xa1.vp", full_name="Trịnh Văn Quý",
                       unit_id="xa1-vp", roles="office_staff"))
        s.commit()
    async with running_api(env, db) as api:
        yield api


async def test_the_office_reads_and_reminds_across_its_ubnd(api: Api) -> None:
    task = (await api.ok("chutich", ASSIGN, input=assign_input()))["assignTask"]
    tid = task["id"]
    # The province office reads a department's task; a commune's office does not.
    assert (await api.ok("vp.cv", GET, id=tid))["task"]["id"] == tid
    assert (await api.ok("xa1.vp", GET, id=tid))["task"] is None
    done = (await api.ok("vp.cv", REMIND, id=tid, note="Đề nghị báo cáo tiến độ"))["remindTask"]
    assert done["overdueReminders"] == 0  # before the deadline: a reminder, not a warning
    trail = (await api.ok("chutich", HISTORY, id=tid))["taskHistory"]
    assert trail[-1]["action"] == "remind" and trail[-1]["actor"]["id"] == "vp.cv"
    assert trail[-1]["note"] == "Đề nghị báo cáo tiến độ"
    assert '"manual": "true"' in trail[-1]["data"]
    with Session(api.engine) as s:
        told = s.exec(select(Notification).where(
            Notification.task_id == tid, col(Notification.kind) == "manual_reminder")).all()
    assert [n.recipient_id for n in told] == ["snv.cb1"] and "đôn đốc" in told[0].body
    # Not twice within a day by the same person: the owner is not flooded; the refusal names
    # who reminded last and when.
    again = await api.error("vp.cv", REMIND, id=tid)
    assert again["extensions"]["code"] == "RATE_LIMITED"
    assert "Lần đôn đốc gần nhất: Lê Văn Cường, lúc" in again["message"]
    # Another who may remind still may, once: the lead unit's head.
    head = (await api.ok("gd.snv", REMIND, id=tid))["remindTask"]
    assert head["id"] == tid
    twice = await api.error("gd.snv", REMIND, id=tid)
    assert twice["extensions"]["code"] == "RATE_LIMITED"
    assert "Lần đôn đốc gần nhất: Phạm Thị Dung" in twice["message"]
    # Nobody else's office, and not a colleague.
    other = await api.error("xa1.vp", REMIND, id=tid)
    assert other["extensions"]["code"] == "NOT_FOUND"
    colleague = await api.error("snv.cb2", REMIND, id=tid)
    assert colleague["extensions"]["code"] == "FORBIDDEN"


async def test_a_commune_office_keeps_to_its_commune(api: Api) -> None:
    # Its own UBND's briefing by default; never the province's; never another UBND's scores.
    refused = await api.error("xa1.vp", BRIEFING, u="tinh")
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok("xa1.vp", BRIEFING, u=None))["briefing"] is None  # none drawn up yet
    scores = await api.error("xa1.vp", SCORES, u="snv")
    assert scores["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok("xa1.vp", SCORES, u="xa1"))["scores"] == []


async def test_assigning_to_a_division_tells_the_department_above_it(api: Api) -> None:
    task = (await api.ok("chutich", ASSIGN, input=assign_input(
        leadUnitId="snv-tccb", ownerId="tccb.cb", coordinators=[])))["assignTask"]
    with Session(api.engine) as s:
        told = {n.recipient_id: n.kind for n in s.exec(
            select(Notification).where(Notification.task_id == task["id"])).all()}
    assert told == {"tccb.cb": "assigned", "gd.snv": "assigned_below"}
    seen = (await api.ok("gd.snv", GET, id=task["id"]))["task"]
    assert seen is not None


GENERATE = "mutation { generateBriefing(period: \"2026-W47\") { number draft } }"


async def test_the_unit_a_committee_names_tracks_reads_reminds_and_prepares(api: Api) -> None:
    """Seed 000 sends everything to Phòng Văn hóa - Xã hội "để theo dõi, tổng hợp": the
    commune names it its tracking unit, and its head reads every task of the commune, reminds
    and prepares the briefing — where before he heard NOT_FOUND."""
    with Session(api.engine) as s:
        s.add(Unit(id="xa1-vhxh", name="Phòng Văn hóa - Xã hội", kind="division",
                   parent_id="xa1", path="/tinh/xa1/xa1-vhxh/"))
        s.flush()
        s.add(Official(id="xa1.tpvh", username="xa1.tpvh", full_name="Kiều Thị Vân",
                       unit_id="xa1-vhxh", roles="unit_head"))
        s.commit()
    task = (await api.ok("ct.xa1", ASSIGN, input=assign_input(
        leadUnitId="xa1", ownerId="xa1.cb", coordinators=[])))["assignTask"]
    before = await api.error("xa1.tpvh", REMIND, id=task["id"])
    assert before["extensions"]["code"] == "NOT_FOUND"
    with Session(api.engine) as s:
        xa1 = s.get(Unit, "xa1")
        assert xa1 is not None
        xa1.tracking_unit_id = "xa1-vhxh"
        s.add(xa1)
        s.commit()
    assert (await api.ok("xa1.tpvh", GET, id=task["id"]))["task"]["id"] == task["id"]
    assert (await api.ok("xa1.tpvh", REMIND, id=task["id"]))["remindTask"]["id"] == task["id"]
    draft = (await api.ok("xa1.tpvh", GENERATE))["generateBriefing"]
    assert draft == {"number": "", "draft": True}
    # Still nothing outside the commune.
    outside = await api.error("xa1.tpvh", BRIEFING, u="tinh")
    assert outside["extensions"]["code"] == "FORBIDDEN"
