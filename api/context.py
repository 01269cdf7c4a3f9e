"""What every resolver gets: who asks (lazily authenticated), the loaders, one clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import strawberry
from sqlalchemy.engine import Engine
from strawberry.fastapi import BaseContext

from api.auth import Authenticator, expires_at, unauthenticated
from api.db_share import DatabaseShares
from api.loaders import Loaders
from domain.calendar import WorkingCalendar
from domain.errors import DomainError
from giaoviec.config import Settings
from giaoviec.reads import Session, read
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import Viewer, viewer_for
from giaoviec.services.recurring import Scheduler
from giaoviec.services.tasks import TaskService

T = TypeVar("T")


@dataclass
class AppServices:
    """Built once per process by create_app."""

    settings: Settings
    engine: Engine
    service: TaskService
    authenticator: Authenticator
    scheduler: Scheduler  # what runs recurring duties: a Temporal Schedule each
    db_shares: DatabaseShares = field(default_factory=DatabaseShares)

    @property
    def calendar(self) -> WorkingCalendar:
        return self.service.calendar


class RequestContext(BaseContext):
    def __init__(self, app: AppServices, authorization: str | None) -> None:
        super().__init__()
        self.app = app
        self.authorization = authorization
        self.clock = Clock.at(datetime.now(UTC), app.calendar, live=True)
        self._viewer: Viewer | None = None
        # Root fields resolve side by side: the first to ask looks him up, the others wait.
        self._viewer_lookup = asyncio.Lock()
        self.expires_at: datetime | None = None  # the token's, once the viewer is known
        # The share of the database threads this request draws on, for its resolvers and
        # loaders alike: its own until the official is known, then the official's.
        self._gate = app.db_shares.for_request()
        self.loaders = Loaders(app.engine, self.known_viewer, self.clock, self.gate)

    @property
    def service(self) -> TaskService:
        return self.app.service

    async def db(self, fn: Callable[[Session], T]) -> T:
        """Run a small read on the read model off the event loop."""

        async with self.gate():
            return await asyncio.to_thread(read, self.app.engine, fn)

    def gate(self) -> asyncio.Semaphore:
        return self._gate

    @property
    def credentials(self) -> str | None:
        """The Authorization header; over a websocket, the connection_init payload's
        "Authorization" when the handshake carried none."""
        if self.authorization:
            return self.authorization
        params = getattr(self, "connection_params", None)
        value = params.get("Authorization") if isinstance(params, dict) else None
        return value if isinstance(value, str) else None

    def renew(self) -> None:
        """A new "now" and empty loader caches, for a subscription that lives for hours."""
        self.clock = Clock.at(datetime.now(UTC), self.app.calendar, live=True)
        self.loaders = Loaders(self.app.engine, self.known_viewer, self.clock, self.gate)

    async def viewer(self) -> Viewer:
        async with self._viewer_lookup:
            if self._viewer is None:
                credentials = self.credentials
                username = self.app.authenticator.username(credentials)
                # The token is verified: from here on, the official's share, his lookup too.
                self._gate = self.app.db_shares.for_official(username)
                self._viewer = await self.db(lambda s: _viewer_for(s, username))
                self.expires_at = expires_at(credentials) if credentials else None
        return self._viewer

    async def revoked(self) -> int | None:
        """For a connection that lives on (a subscription): 4401 once its token no longer
        holds (expired), 4403 once its official may no longer sign in (deactivated, or gone
        from the list of officials); None while both hold, the viewer read afresh."""
        if self.expires_at is not None and datetime.now(UTC) >= self.expires_at:
            return 4401
        try:
            username = self.app.authenticator.username(self.credentials)
        except DomainError:
            return 4401
        viewer = await self.db(lambda s: viewer_for(s, username))
        if viewer is None:
            return 4403
        self._viewer = viewer
        return None

    def known_viewer(self) -> Viewer:
        """For loaders: a resolver has always authenticated before they run."""
        if self._viewer is None:
            raise unauthenticated()
        return self._viewer


def _viewer_for(session: Session, username: str) -> Viewer:
    viewer = viewer_for(session, username)
    if viewer is None:
        raise unauthenticated("Tài khoản không có trong danh sách cán bộ hoặc đã bị khóa.")
    return viewer


# What a resolver's `info` is here: `info.context` is a RequestContext to the type checker too.
Info = strawberry.Info[RequestContext, None]
