"""A database that goes away on purpose: a small TCP proxy in front of PostgreSQL that a test
stops mid-run and starts again (tests/workflow/test_outage.py, tests/api/test_outage_reads.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine

from giaoviec.store.db import make_engine


class Proxy:
    """Forwards a local port to the database; `stop` refuses new connections and cuts the
    open ones, as a database going away would; `start` brings it back on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                 reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.open):
            w.close()
        await self.server.wait_closed()
        self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.open |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.open -= {writer, up_writer}


@contextlib.asynccontextmanager
async def behind_proxy(db: Engine) -> AsyncIterator[tuple[Proxy, Engine]]:
    """An engine on the test database through a proxy the test may stop (PostgreSQL only)."""
    if db.dialect.name != "postgresql":
        pytest.skip("the outage is staged on PostgreSQL (a SQLite file cannot go away)")
    proxy = Proxy(db.url.host or "127.0.0.1", db.url.port or 5432)
    await proxy.start()
    engine = make_engine(db.url.set(host="127.0.0.1", port=proxy.port)
                         .render_as_string(hide_password=False))
    try:
        yield proxy, engine
    finally:
        engine.dispose()
        if proxy.server is not None:
            await proxy.stop()
