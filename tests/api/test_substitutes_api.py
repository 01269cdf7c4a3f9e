"""setSubstitute, substitutions, cancelSubstitute and the trail's "for whom" over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from domain.timezone import local_date
from giaoviec.store.models import Official
from tests.api.harness import ASSIGN, Api, assign_input, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")

SET = """mutation($input: SubstituteInput!) { setSubstitute(input: $input) {
  id official { id } substitute { id } startsOn endsOn reason createdBy { id } } }"""
LIST = """query($id: ID) { substitutions(officialId: $id) { id cancelledAt } }"""
CANCEL = """mutation($id: ID!) { cancelSubstitute(id: $id) { id cancelledAt } }"""
HISTORY = """query($id: ID!) { taskHistory(id: $id) {
  action actor { id } onBehalfOf { id } signedAs } }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


async def test_a_substitute_named_over_the_api_acts_and_the_trail_says_for_whom(api: Api) -> None:
    today = local_date(datetime.now(UTC))
    made = (await api.ok("snv.cb1", SET, input={
        "substituteId": "snv.cb2", "startsOn": today.isoformat(),
        "endsOn": (today + timedelta(days=5)).isoformat(), "reason": "Nghỉ phép"}))["setSubstitute"]
    assert made["official"]["id"] == "snv.cb1" and made["createdBy"]["id"] == "snv.cb1"
    assert [s["id"] for s in (await api.ok("gd.snv", LIST, id="snv.cb1"))["substitutions"]] == [
        made["id"]]
    denied = await api.error("gd.stc", LIST, id="snv.cb1")
    assert denied["extensions"]["code"] == "FORBIDDEN"
    bad = await api.error("snv.cb1", SET, input={
        "substituteId": "snv.cb2", "startsOn": today.isoformat(),
        "endsOn": today.isoformat(), "reason": " "})
    assert {f["code"] for f in bad["extensions"]["fields"]} == {
        "MISSING_REASON", "OVERLAPPING_SUBSTITUTION"}

    task = (await api.ok("chutich", ASSIGN, input=assign_input()))["assignTask"]
    accept = "mutation($id: ID!) { acceptTask(id: $id) { state } }"
    assert (await api.ok("snv.cb2", accept, id=task["id"]))["acceptTask"]["state"] == "IN_PROGRESS"
    trail = (await api.ok("snv.cb1", HISTORY, id=task["id"]))["taskHistory"]
    assert trail[-1] == {"action": "accept", "actor": {"id": "snv.cb2"},
                         "onBehalfOf": {"id": "snv.cb1"}, "signedAs": "Thay đồng chí Hoàng Văn Em"}
    assert trail[0]["onBehalfOf"] is None and trail[0]["signedAs"] is None

    gone = (await api.ok("snv.cb1", CANCEL, id=made["id"]))["cancelSubstitute"]
    assert gone["cancelledAt"] is not None
    again = await api.error("snv.cb1", CANCEL, id=made["id"])
    assert again["extensions"]["code"] == "NOT_FOUND"
    # Ids no database integer holds are unknown ones, not INTERNAL (issue 16, item 12).
    for huge in ("99999999999999999999999999", str(2**63), "0", "-1"):
        beyond = await api.error("snv.cb1", CANCEL, id=huge)
        assert beyond["extensions"]["code"] == "NOT_FOUND", huge


READ = """query($id: ID!) { task(id: $id) { id availableActions } }"""


async def test_a_substitute_reads_the_task_he_may_act_on_while_he_stands_in(api: Api) -> None:
    """The read rule follows the act rule: a head who assigned a task and then moved to another
    department still answers for it as its assigner; his substitute there acts on it for him,
    and reads it — for the days he stands in, not before nor after."""
    today = local_date(datetime.now(UTC))
    task = (await api.ok("gd.snv", ASSIGN, input=assign_input(
        coordinators=[], ownerId="snv.cb1")))["assignTask"]
    _move("gd.snv", "stc", api.engine)
    try:
        assert await _unseen(api, "stc.cb", task["id"])
        made = (await api.ok("gd.snv", SET, input={
            "substituteId": "stc.cb", "startsOn": today.isoformat(),
            "endsOn": (today + timedelta(days=2)).isoformat(),
            "reason": "Đi công tác"}))["setSubstitute"]
        seen = (await api.ok("stc.cb", READ, id=task["id"]))["task"]
        assert seen["id"] == task["id"] and "CANCEL" in seen["availableActions"]
        remind = "mutation($id: ID!) { remindTask(id: $id) { id } }"
        assert (await api.ok("stc.cb", remind, id=task["id"]))["remindTask"]["id"] == task["id"]
        mine = """{ tasks(first: 100, filter: {ownerId: "snv.cb1"}) { edges { node { id } } } }"""
        listed = {e["node"]["id"] for e in (await api.ok("stc.cb", mine))["tasks"]["edges"]}
        assert task["id"] in listed
        await api.ok("gd.snv", CANCEL, id=made["id"])
        assert await _unseen(api, "stc.cb", task["id"])
        later = (await api.ok("gd.snv", SET, input={
            "substituteId": "stc.cb", "startsOn": (today + timedelta(days=1)).isoformat(),
            "endsOn": (today + timedelta(days=2)).isoformat(),
            "reason": "Đi công tác"}))["setSubstitute"]
        assert await _unseen(api, "stc.cb", task["id"])  # not yet his days
        await api.ok("gd.snv", CANCEL, id=later["id"])
    finally:
        _move("gd.snv", "snv", api.engine)


def _move(official_id: str, unit_id: str, engine: Engine) -> None:
    """As an organisation import moving an official does (his assigned tasks stay his)."""
    with Session(engine) as s:
        official = s.get(Official, official_id)
        assert official is not None
        official.unit_id = unit_id
        s.add(official)
        s.commit()


async def _unseen(api: Api, user: str, task_id: str) -> bool:
    """The task is, to him, as one that does not exist."""
    return (await api.ok(user, READ, id=task_id))["task"] is None
