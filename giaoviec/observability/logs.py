"""JSON logs (GIAOVIEC_LOG_FORMAT=json): one object a line, carrying the request id and the task
id of whatever the line was written for, so one request or one task can be followed across the
proxy, the API processes and the workers."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

# Set by the API's request middleware (from X-Request-Id, which HAProxy adds) and by whatever
# acts on one task (giaoviec.services.tasks, the worker's activity interceptor).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class ContextIds(logging.Filter):
    """Stamps the request and task ids on a record when it is written, in the context that
    wrote it (a handler may format it later, elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, var in (("request_id", request_id), ("task_id", task_id)):
            if getattr(record, key, None) is None and (value := var.get()):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (("request_id", request_id), ("task_id", task_id)):
            if value := getattr(record, key, None) or var.get():
                entry[key] = value
        entry.update({k: v for k, v in vars(record).items()
                      if k not in _STANDARD and k not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(log_format: str, level: str = "INFO") -> None:
    """JSON on stderr for `json`; anything else leaves Python's default logging alone."""
    if log_format != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextIds())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own loggers: through the same handler, and its access log too (with the ids).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def for_task(value: str | None) -> None:
    """Marks what follows in this context (a request, an activity) as about one task."""
    if value:
        task_id.set(value)
