"""Readiness: the read model and Temporal, each checked apart and within a bound, so a probe
says which is missing and never hangs on one of them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client

from giaoviec.reads import database_ok, read

CHECK_TIMEOUT = 2.0
OK = "ok"


async def _database(engine: Engine) -> str:
    try:
        await asyncio.wait_for(asyncio.to_thread(read, engine, database_ok), CHECK_TIMEOUT)
    except Exception as err:  # any failure is "not ready", named for the operator
        return f"lỗi: {type(err).__name__}"
    return OK


async def _temporal(client: Client) -> str:
    try:
        healthy = await asyncio.wait_for(
            client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT)),
            CHECK_TIMEOUT + 0.5)
    except Exception as err:
        return f"lỗi: {type(err).__name__}"
    return OK if healthy else "lỗi: không phục vụ"


async def readiness(engine: Engine, client: Client) -> dict[str, str]:
    database, temporal = await asyncio.gather(_database(engine), _temporal(client))
    return {"database": database, "temporal": temporal}


def all_ok(checks: dict[str, str]) -> bool:
    return all(value == OK for value in checks.values())
