"""A retried assignment after its workflow is gone (issue 15, item 10): the same client key,
the task closed and its workflow deleted past the namespace's retention — the answer comes
from the read model, not an internal error. On the real dev server (the time-skipping one
cannot delete a workflow)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.lifecycle import Action, TaskState
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from tests.conftest import binary, fresh_engine
from tests.org_fixture import seed_small_org
from tests.workflow.harness import draft, new_key, working_day_after
from workflows.contracts import CalendarConfig, workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "retention"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, dev_server_existing_path=binary("temporal"),
        dev_server_log_level="error",
    ) as env:
        yield env


@pytest.fixture
def rm(tmp_path: Path) -> Iterator[Engine]:
    for engine in fresh_engine("sqlite", tmp_path):
        with Session(engine) as s:
            seed_small_org(s)
        yield engine


async def gone(env: WorkflowEnvironment, task_id: str) -> None:
    """Delete the closed workflow, as the server does past retention, and wait till it is."""
    client = env.client
    await client.workflow_service.delete_workflow_execution(DeleteWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_execution=WorkflowExecution(workflow_id=workflow_id_for(task_id))))
    for _ in range(600):
        try:
            await client.get_workflow_handle(workflow_id_for(task_id)).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return
            raise
        await asyncio.sleep(0.1)
    pytest.fail("the workflow was not deleted")


async def test_a_retry_after_the_workflow_is_gone_answers_from_the_read_model(
    local_env: WorkflowEnvironment, rm: Engine
) -> None:
    service = TaskService(local_env.client, rm, QUEUE, WorkingCalendar(), CalendarConfig())
    key = new_key()
    now = await local_env.get_current_time()
    the_draft = draft(deadline=working_day_after(now, 6))
    async with build_worker(local_env.client, rm, QUEUE):
        rec = await service.assign("chutich", key, the_draft, now=now)
        await service.act("chutich", rec.id, Action.CANCEL, note="Không còn cần thiết")
        await local_env.client.get_workflow_handle(workflow_id_for(rec.id)).result()
        await gone(local_env, rec.id)
        again = await service.assign("chutich", key, the_draft, now=now)
    assert again.id == rec.id and again.state is TaskState.CANCELLED
    assert again.title == rec.title and again.seq == 2 and again.cancelled_at is not None
