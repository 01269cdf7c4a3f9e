"""A hostile user's dates and texts over HTTP: each is refused at once with a clear code, and
the task they were aimed at carries on and can be cancelled normally (no request can wedge a
workflow)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import ASSIGN, Api, assign_input, running_api
from tests.api.test_mutations import CANCEL, PROGRESS, REQUEST_EXT, SUBMIT

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


def codes(err: dict) -> set[str]:
    return {f["code"] for f in err["extensions"].get("fields", [])}


@pytest.mark.parametrize(("changes", "code"), [
    ({"workingDays": None, "deadline": "9999-12-31T23:59:59Z"}, "DATE_OUT_OF_RANGE"),
    ({"workingDays": None, "deadline": "9999-12-31T23:59:59-23:59"}, "INVALID_UTC_OFFSET"),
    ({"workingDays": None, "deadlineDate": "9999-12-30"}, "DATE_OUT_OF_RANGE"),
    ({"milestones": [{"title": "Mốc", "due": "9999-01-01"}]}, "DATE_OUT_OF_RANGE"),
    ({"basis": "b" * 200_000}, "TEXT_TOO_LONG"),
    ({"title": "\u200b\u200c\u2060"}, "MISSING_TITLE"),
    ({"product": {"kind": "báo cáo", "description": "Báo cáo"}}, "MISSING_PRODUCT_MEASURE"),
])
async def test_hostile_assignments_are_refused(api: Api, changes: dict, code: str) -> None:
    err = await api.error("chutich", ASSIGN, input=assign_input(**changes))
    assert err["extensions"]["code"] == "VALIDATION" and code in codes(err), err


async def test_no_request_can_lock_a_task(api: Api) -> None:
    task = (await api.ok("chutich", ASSIGN, input=assign_input()))["assignTask"]
    tid = task["id"]
    for when in ("9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59Z", "2001-01-01T00:00:00Z"):
        err = await api.error("snv.cb1", REQUEST_EXT, id=tid, when=when, reason="r")
        assert err["extensions"]["code"] == "VALIDATION", err
    note = await api.error("snv.cb1", PROGRESS, id=tid, percent=10, note="x" * 250_000)
    assert codes(note) == {"TEXT_TOO_LONG"}
    link = await api.error("snv.cb1", SUBMIT, id=tid, output={
        "description": "Báo cáo", "url": "javascript:alert(document.cookie)"})
    assert codes(link) == {"INVALID_URL"}
    # Nothing stuck: the chairman cancels the task as usual, at once.
    done = (await api.ok("chutich", CANCEL, id=tid, reason="Thử nghiệm"))["cancelTask"]
    assert done["state"] == "CANCELLED"


async def test_search_texts_are_bounded(api: Api) -> None:
    q = "query($f: TaskFilter) { tasks(filter: $f) { totalCount } }"
    err = await api.error("chutich", q, f={"search": "x" * 5_000})
    assert err["extensions"]["code"] == "VALIDATION" and codes(err) == {"TEXT_TOO_LONG"}
