"""Temporal away — stopped, restarting, unreachable — decided in one place: which failures of
the client's calls mean it, and what a caller hears: UNAVAILABLE, never INTERNAL.

What the SDK raises (temporalio 1.x, tried against a stopped `temporal server start-dev`):
every call — start, update, update-with-start, query, signal, describe, Schedules — retries a
refused connection for about 9 s, then raises `RPCError` with status UNAVAILABLE ("tcp connect
error"); so does an update already sent when the server stops (it was retried on a new
connection). An update whose call times out raises `WorkflowUpdateRPCTimeoutOrCancelledError`;
other calls `RPCError` DEADLINE_EXCEEDED; our own bound on an update `TimeoutError`. None of
these says whether the change reached Temporal, so a change never hears "nothing was changed":
either the same request (the same clientKey) is safe again, or it may have been done. A
lazily connected client (`giaoviec api`) that has not reached Temporal yet raises a plain
`RuntimeError("Failed client connect: …")` at once from every call instead.
NOT_FOUND, ALREADY_EXISTS and the rest stay with the callers that handle them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import (
    DomainError,
    read_unavailable,
    unavailable_repeat_safe,
    unavailable_retry_safe,
    unavailable_unsure,
)

log = logging.getLogger(__name__)
AWAY_STATUSES = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED,
                           RPCStatusCode.CANCELLED})


# A lazily connected client (`giaoviec api`) that has not reached Temporal yet raises this, not
# an RPCError, from every call until it does (tests/unit/test_temporal_away.py asks the SDK).
NEVER_CONNECTED = "Failed client connect"


def is_away(err: BaseException) -> bool:
    """Whether `err` means Temporal (or the worker behind an update) did not answer."""
    if isinstance(err, RPCError):
        return err.status in AWAY_STATUSES
    if type(err) is RuntimeError:
        return str(err).startswith(NEVER_CONNECTED)
    return isinstance(err, RPCTimeoutOrCancelledError | TimeoutError)


def away(err: BaseException, *, reading: bool = False, retry_safe: bool = False,
         repeat_safe: bool = False) -> DomainError | None:
    """The UNAVAILABLE a caller hears for `err`, or None when `err` is something else.
    `reading`: nothing was to change; `retry_safe`: the request names itself (clientKey), so
    the same again finishes it once; `repeat_safe`: the change is recorded and the same action
    again only finishes it (a recurring rule's pause, resume, end); otherwise it may have been
    done — check first."""
    if not is_away(err):
        return None
    log.warning("Temporal unavailable: %s %s", err.__class__.__name__,
                getattr(err, "status", "") or "")
    if reading:
        return read_unavailable()
    if repeat_safe:
        return unavailable_repeat_safe()
    return unavailable_retry_safe() if retry_safe else unavailable_unsure()


@contextmanager
def reaching_temporal(*, retry_safe: bool = False, repeat_safe: bool = False
                      ) -> Iterator[None]:
    """Around calls to Temporal in a change whose caller knows it is safe to send again."""
    try:
        yield
    except Exception as err:
        found = away(err, retry_safe=retry_safe, repeat_safe=repeat_safe)
        if found is None:
            raise
        raise found from err
