"""Prometheus metrics of one process, and the Temporal SDK's own (its Rust core exports them
on a loopback port through its runtime telemetry; `/metrics` serves both as one page)."""

from __future__ import annotations

import socket
import urllib.request

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

CONTENT_TYPE = CONTENT_TYPE_LATEST

GRAPHQL_SECONDS = Histogram(
    "giaoviec_graphql_request_seconds", "GraphQL operations by name and type, with latency.",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
GRAPHQL_ERRORS = Counter(
    "giaoviec_graphql_errors_total", "GraphQL errors by operation and extensions.code.",
    ["operation", "code"],
)
HTTP_RESPONSES = Counter(
    "giaoviec_http_responses_total", "HTTP responses by method and status class.",
    ["method", "status"],
)
ACTIVITIES = Counter(
    "giaoviec_activities_total", "Activities run by this worker, by name and outcome.",
    ["activity", "outcome"],
)

_sdk_address: str | None = None
_runtime: Runtime | None = None


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def temporal_runtime(port: int | None = None) -> Runtime:
    """One Temporal runtime per process, exporting the SDK's worker and client metrics
    (temporal_*: poll latency, task slots, workflow and activity counts and latency, sticky
    cache, RPC requests and failures) in Prometheus format on a loopback port."""
    global _runtime, _sdk_address
    if _runtime is None:
        _sdk_address = f"127.0.0.1:{port or _free_loopback_port()}"
        _runtime = Runtime(telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=_sdk_address, counters_total_suffix=True,
                                     durations_as_seconds=True)))
    return _runtime


def _sdk_text() -> bytes:
    if _sdk_address is None:
        return b""
    try:
        with urllib.request.urlopen(f"http://{_sdk_address}/metrics", timeout=2) as answer:
            return bytes(answer.read())
    except OSError:
        return b"# Temporal SDK metrics unavailable\n"


def exposition() -> bytes:
    """This process's metrics page: ours (and the Python process's), then the SDK's."""
    return generate_latest() + _sdk_text()
