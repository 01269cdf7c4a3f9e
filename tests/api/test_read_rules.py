"""The read rule holds on every field that returns a Plan, a Task or an Official (issue 16
item 10): the schema is walked for such fields, each is asked for by an official who may read
its parent, and every plan or task that comes back must be one he may read by the rule
`plan(id)` and `task(id)` apply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from graphql import (
    FieldNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from api.schema import build_schema
from giaoviec.orgdata.seed import seed_demo
from giaoviec.reads.org import viewer_for
from giaoviec.reads.plans import readable_plan
from giaoviec.reads.visibility import readable_task
from giaoviec.store.models import Official, Unit
from tests.api.harness import Api, new_key, running_api
from tests.conftest import fresh_engine

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCHEMA = build_schema()._schema
RULED = ("Plan", "Task", "Official")

# The fields that return a ruled type and are not asked for below, each with why.
NOT_WALKED = {
    # A mutation answers the plan or task its caller has just created or acted on: the
    # workflow has checked his authority over it.
    **{f"Mutation.{name}": "acted on by the caller" for name, field in
       SCHEMA.mutation_type.fields.items()  # type: ignore[union-attr]
       if get_named_type(field.type).name in RULED},
    "TaskChange.task": "filtered by readable_events, tested in tests/api/test_live_feed.py",
    "Tally.flagged": "a tally is read only within the viewer's jurisdiction (tally tests)",
    "Tally.pendingExtensions": "as Tally.flagged",
    "Tally.awaitingApproval": "as Tally.flagged",
    "Tally.declined": "as Tally.flagged",
    "Score.official": "the org chart (any signed-in official); scores are for leaders",
}
# Officials are the org chart: any signed-in official reads every one (docs/security.md);
# the walk still visits each field that returns one, to prove it is signed-in only.
WALK = """query($plan: ID!, $task: ID!) {
  me { id unit { head { id } officials { id } } }
  official(id: "chutich") { id }
  plan(id: $plan) { ...P }
  plans(first: 2) { ...P }
  task(id: $task) { ...T }
  tasks(first: 5) { edges { node { ...T } } }
  taskHistory(id: $task) { actor { id } onBehalfOf { id } }
  substitutions { official { id } substitute { id } createdBy { id } }
  standingInFor { id }
  recurringRules { createdBy { id } events { actor { id } } periods { units { task { id } } } }
}
fragment P on Plan {
  id issuedBy { id } enteredBy { id } fulfils { ...T }
  cascade { task { ...T } plan { id issuedBy { id } fulfils { id } } }
}
fragment T on Task {
  id owner { id } assignedBy { id } plan { id } fulfilledBy { id }
  parent { id } subtasks { id }
}"""


def _ruled_fields() -> set[str]:
    return {f"{name}.{field_name}" for name, t in SCHEMA.type_map.items()
            if isinstance(t, GraphQLObjectType) and not name.startswith("__")
            for field_name, field in t.fields.items()
            if get_named_type(field.type).name in RULED}


def _walk(selection: SelectionSetNode, parent: GraphQLObjectType, value: Any,
          fragments: dict[str, Any], found: dict[str, list[tuple[str, str]]]) -> None:
    """Records (type, id) of each ruled object in the answer, under the field it came by."""
    for node in selection.selections:
        if isinstance(node, FieldNode):
            key = node.alias.value if node.alias else node.name.value
            inner = get_named_type(parent.fields[node.name.value].type)
            place = f"{parent.name}.{node.name.value}"
            found.setdefault(place, [])
            # An empty answer still walks the selection: every field asked for is counted.
            for item in list(_items(value, key)) or [{}]:
                if inner.name in RULED and "id" in item:
                    found[place].append((inner.name, item["id"]))
                if node.selection_set is not None and isinstance(inner, GraphQLObjectType):
                    _walk(node.selection_set, inner, item, fragments, found)
        else:  # a fragment spread on the same type
            spread = fragments[node.name.value]  # type: ignore[attr-defined]
            _walk(spread.selection_set, parent, value, fragments, found)


def _items(value: Any, key: str) -> Iterator[dict[str, Any]]:
    got = value.get(key) if isinstance(value, dict) else None
    for item in got if isinstance(got, list) else [got]:
        if isinstance(item, dict):
            yield item


@pytest.fixture(scope="module", params=["sqlite"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
       ) -> Iterator[Engine]:
    for engine in fresh_engine(request.param, tmp_path_factory.mktemp("rules")):
        with Session(engine) as s:
            seed_demo(s, max_communes=2)
        yield engine


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


CREATE = "mutation($input: PlanInput!) { createPlan(input: $input) { id } }"
CASCADE_TASK = """query($plan: ID!) { tasks(first: 10, filter: { planId: $plan }) {
  edges { node { id leadUnit { id } } } } }"""


async def _province_plan_and_a_communes_own(api: Api) -> tuple[str, str, str]:
    """The chairman orders each commune to issue its plan, the Department of Home Affairs
    coordinating; one commune issues it. gd.snv reads the province plan and its tasks, not
    the commune's plan."""
    with Session(api.engine) as s:
        commune = s.exec(select(Unit).where(Unit.kind == "commune")
                         .order_by(col(Unit.sort_order))).first()
        assert commune is not None
        chair = s.exec(select(Official).where(Official.unit_id == commune.id,
                                              col(Official.id).startswith("ct."))).first()
        assert chair is not None
        home_affairs = s.exec(select(Unit).where(col(Unit.id).endswith("-snv"))).one().id
    province = (await api.ok("chutich", CREATE, input={
        "clientKey": new_key(), "number": "7/KH-UBND", "subject": "Kế hoạch của tỉnh",
        "basis": "Nghị quyết số 12/NQ-HĐND",
        "items": [{"leadUnitIds": [commune.id], "description": "Ban hành kế hoạch của xã.",
                   "coordinators": [{"unitId": home_affairs, "duty": "Hướng dẫn, theo dõi"}],
                   "products": [{"kind": "kế hoạch", "description": "Kế hoạch của xã",
                                 "measure": "Gửi Sở Nội vụ",
                                 "term": "10 ngày làm việc"}]}]}))["createPlan"]["id"]
    [edge] = (await api.ok("chutich", CASCADE_TASK, plan=province))["tasks"]["edges"]
    ordered = edge["node"]["id"]
    own = (await api.ok(chair.id, CREATE, input={
        "clientKey": new_key(), "number": "15/KH-UBND", "subject": "Kế hoạch của xã",
        "fulfilsTaskId": ordered, "basis": "Kế hoạch số 7/KH-UBND của UBND tỉnh",
        "items": [{"leadUnitIds": [commune.id], "ownerId": chair.id,
                   "description": "Rà soát quy chế làm việc của UBND xã.",
                   "products": [{"description": "Báo cáo rà soát", "measure": "Trình UBND xã",
                                 "term": "10 ngày làm việc"}]}]}))["createPlan"]["id"]
    return province, ordered, own


async def test_every_plan_task_or_official_answered_is_one_the_viewer_may_read(api: Api) -> None:
    province, ordered, own = await _province_plan_and_a_communes_own(api)
    viewer_name = "gd.snv"
    answer = await api.ok(viewer_name, WALK, plan=province, task=ordered)
    document = parse(WALK)
    fragments = {d.name.value: d for d in document.definitions
                 if not isinstance(d, OperationDefinitionNode)}
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    found: dict[str, list[tuple[str, str]]] = {}
    assert SCHEMA.query_type is not None
    _walk(operation.selection_set, SCHEMA.query_type, answer, fragments, found)

    # Every field returning a ruled type is walked here or says why not.
    assert _ruled_fields() == set(found) & _ruled_fields() | set(NOT_WALKED), (
        _ruled_fields() - set(found) - set(NOT_WALKED))
    # The scenario reaches what it is about: the cascade of a plan he reads, to a plan he
    # may not read (plan(id) gives him null).
    assert ("Task", ordered) in found["PlanCascadeItem.task"]
    assert (await api.ok(viewer_name, "query($id: ID!) { plan(id: $id) { id } }",
                         id=own))["plan"] is None

    with Session(api.engine) as s:
        viewer = viewer_for(s, viewer_name)
        assert viewer is not None
        unreadable = [
            (place, kind, ident) for place, items in found.items() for kind, ident in items
            if (kind == "Plan" and readable_plan(s, viewer, ident) is None)
            or (kind == "Task" and readable_task(s, viewer, ident) is None)
            or (kind == "Official" and s.get(Official, ident) is None)]
    assert not unreadable, unreadable
