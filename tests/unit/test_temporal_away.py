"""Temporal away is decided in one place (giaoviec.services.temporal_away): which failures of
the client's calls mean it, and which UNAVAILABLE the caller hears — never INTERNAL, and never
"nothing was changed" for a change that may have reached Temporal. The API masks anything else
as INTERNAL, as before. tests/api/test_outage_temporal.py stops a real server."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from graphql import GraphQLError
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import public_error
from domain.errors import Code, DomainError, read_unavailable, unavailable_unsure
from giaoviec.services.plans import PlanService
from giaoviec.services.temporal_away import away, reaching_temporal
from tests.conftest import free_port


def rpc(status: RPCStatusCode) -> RPCError:
    return RPCError("tcp connect error", status, b"")


AWAY = [rpc(RPCStatusCode.UNAVAILABLE), rpc(RPCStatusCode.DEADLINE_EXCEEDED),
        rpc(RPCStatusCode.CANCELLED), WorkflowUpdateRPCTimeoutOrCancelledError(),
        TimeoutError()]
NOT_AWAY = [rpc(RPCStatusCode.NOT_FOUND), rpc(RPCStatusCode.ALREADY_EXISTS),
            rpc(RPCStatusCode.INVALID_ARGUMENT), RuntimeError("bug"), ValueError("bug")]


@pytest.mark.parametrize("err", AWAY, ids=lambda e: type(e).__name__)
def test_temporal_away_is_unavailable_saying_what_a_retry_does(err: BaseException) -> None:
    reading, safe, unsure = (away(err, reading=True), away(err, retry_safe=True), away(err))
    assert reading and safe and unsure
    assert {reading.code, safe.code, unsure.code} == {Code.UNAVAILABLE}
    assert reading.message == read_unavailable().message
    assert "clientKey" in safe.message and "hai lần" in safe.message
    assert "có thể đã được thực hiện" in unsure.message
    for change in (safe, unsure):  # it may have reached Temporal
        assert "chưa được thực hiện" not in change.message


@pytest.mark.parametrize("err", NOT_AWAY, ids=lambda e: str(getattr(e, "status", "")) or
                         type(e).__name__)
def test_anything_else_is_left_to_its_caller(err: BaseException) -> None:
    assert away(err) is None
    with pytest.raises(type(err)) as raised, reaching_temporal(retry_safe=True):
        raise err
    assert raised.value is err


def test_a_client_that_has_not_reached_temporal_yet_is_away() -> None:
    """`giaoviec api` connects lazily: until Temporal first answers, the SDK raises a plain
    RuntimeError from every call, which is Temporal away, not a bug."""
    async def first_call() -> BaseException:
        client = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)  # nobody there
        try:
            await client.get_workflow_handle("t-1").describe()
        except Exception as err:
            return err
        raise AssertionError("an answer with no server")

    err = asyncio.run(first_call())
    assert type(err) is RuntimeError, repr(err)
    for found in (away(err, reading=True), away(err, retry_safe=True), away(err)):
        assert found is not None and found.code == Code.UNAVAILABLE


def test_reaching_temporal_turns_away_into_the_domain_error() -> None:
    with pytest.raises(DomainError) as raised, reaching_temporal():
        raise rpc(RPCStatusCode.UNAVAILABLE)
    assert raised.value.code == Code.UNAVAILABLE
    assert raised.value.message == unavailable_unsure().message


def test_the_api_answers_temporal_away_as_unavailable_never_internal() -> None:
    def answered(reading: bool) -> GraphQLError:
        raw = GraphQLError("x", path=["acceptTask"], original_error=rpc(
            RPCStatusCode.UNAVAILABLE))
        return public_error(raw, reading=reading)

    assert answered(False).extensions == {"code": "UNAVAILABLE"}
    assert answered(False).message == unavailable_unsure().message
    assert answered(True).message == read_unavailable().message
    bug = GraphQLError("x", path=["acceptTask"], original_error=RuntimeError("bug"))
    assert public_error(bug).extensions == {"code": "INTERNAL"}


class AwayTasks:
    """Temporal away: every start waits, then fails (as the client does after ≈9 s)."""

    def __init__(self) -> None:
        self.tried = 0

    async def start(self, record: object) -> None:
        self.tried += 1
        await asyncio.sleep(0.01)
        with reaching_temporal(retry_safe=True):
            raise rpc(RPCStatusCode.UNAVAILABLE)


def test_a_plan_stops_starting_its_tasks_once_temporal_is_found_away() -> None:
    tasks = AwayTasks()
    plans = PlanService(tasks=cast(Any, tasks))
    with pytest.raises(DomainError) as raised:
        asyncio.run(plans._start_all(cast(Any, list(range(100)))))
    assert raised.value.code == Code.UNAVAILABLE and "clientKey" in raised.value.message
    assert tasks.tried <= 8  # the first few in flight, not a wait for each of 100
