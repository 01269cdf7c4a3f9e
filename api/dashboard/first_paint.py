"""The home page's first figures painted with the HTML itself (a first visit need not wait for
the page's scripts, then their first question, before it shows a figure).

Asked for `/` with a session cookie, the server asks the schema itself the very question the
page's `app.js` asks first (`Start`: the viewer, his jurisdiction's figures, the task labels):
the same resolvers, the same rules of who may read what, the same extensions — the cost is
priced and charged to the official's budget (api/cost.py `QueryCost`), his expensive
operations held one at a time, his reads on his share of the database threads
(api/db_share.py) — and, before any of it, the same door `RateLimits` keeps for /graphql
(api/ratelimit.py `held_at_the_door`). The page carries the answer (`Start`'s `data`) as a
JSON island and paints the home's figure cards from it; app.js takes the island as `Start`'s
answer and sends no `Start` of its own.

Never at the page's expense: an invalid or expired token, a refusal (budget, door), an error,
or an answer not in within `dashboard_first_paint_ms` (GIAOVIEC_DASHBOARD_FIRST_PAINT_MS,
300 ms unless set; 0 turns this off), and the page is served as before, without figures
(the scripts ask `Start` themselves). A read still running then is left to finish (its
threads stay on the official's share until it does), its answer unused.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from strawberry import Schema

from api.context import AppServices, RequestContext
from api.ratelimit import held_at_the_door
from domain.errors import DomainError

log = logging.getLogger(__name__)

# app.js's `startQuery(JURISDICTION_FIGURES)`, whitespace aside: app.js takes the island only
# when its own question reads the same (else it asks, as without the island).
_START_TEXT = """
query Start { me { id fullName title roles unit { id name kind }
  jurisdiction { id name kind countsWithDescendants { total completedOnTime completedLate
  openInTime openOverdue dueSoon onTimeRate } } } taskLabels { states { name label }
  timeliness { name label } actions { name label } } }
"""
START = " ".join(_START_TEXT.split())
# Reads the page stopped waiting for, kept until they end (a task nobody holds may vanish).
_left: set[asyncio.Task[dict[str, Any] | None]] = set()


async def read_start(schema: Schema, services: AppServices, request: Request,
                     token: str) -> dict[str, Any] | None:
    """`{"query", "data", "asOf"}`: `Start` asked as the session's official, or None (the
    page then goes out without figures). Waits at most about what the page's scripts would
    take to load and ask it themselves on a first visit."""
    wait = services.settings.dashboard_first_paint_ms / 1000
    if wait <= 0:
        return None
    task = asyncio.create_task(_read(schema, services, request, f"Bearer {token}"))
    done, _ = await asyncio.wait({task}, timeout=wait)
    if not done:
        _left.add(task)
        task.add_done_callback(_left.discard)
        return None
    return task.result()


async def _read(schema: Schema, services: AppServices, request: Request,
                authorization: str) -> dict[str, Any] | None:
    try:
        try:
            # Quietly: a failed token is counted when the page's own `Start` presents it.
            await services.authenticator.verify(authorization, quiet=True)
        except DomainError:
            return None
        limits = getattr(request.app.state, "limits", None)
        if limits is not None and await held_at_the_door(
                limits, services.authenticator, authorization,
                limits.proxies.client_address(request.scope)) is not None:
            return None
        await services.service.fresh_calendar()  # as the GraphQL context does
        context = RequestContext(services, authorization)
        context.request = request
        result = await schema.execute(START, context_value=context, operation_name="Start")
    except Exception:  # the page goes out anyway; its scripts ask again
        log.warning("the home page's figures were not read", exc_info=True)
        return None
    if result.errors or not result.data:
        return None
    return {"query": START, "data": result.data, "asOf": _iso(context.clock.now)}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
