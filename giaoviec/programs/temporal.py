"""Connecting to Temporal with the one data converter every part of giaoviec uses."""

from __future__ import annotations

from temporalio.client import Client

from giaoviec.config import Settings
from giaoviec.observability.metrics import temporal_runtime
from workflows.converter import DATA_CONVERTER

__all__ = ["DATA_CONVERTER", "connect"]


async def connect(settings: Settings, address: str | None = None, *,
                  lazy: bool = False) -> Client:
    """`lazy`: connect at the first call instead of now (an API process starts and serves
    what needs no Temporal while Temporal is away; each call tries again)."""
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        lazy=lazy,
        # The SDK's client and worker metrics, served with the process's own on /metrics.
        runtime=temporal_runtime(settings.temporal_metrics_port),
    )
