"""Who is asking, and at which address: the socket peer, unless that peer is one of the reverse
proxies named in GIAOVIEC_TRUSTED_PROXIES; only then are its X-Forwarded-For, -Proto and -Host
believed. Anyone can send those headers, so believing them from anyone else would let a client
pick its own address (and dodge a rate limit) or its own links."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import Request
from starlette.types import Scope

from giaoviec.config import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """Comma-separated IPs or CIDRs; raises ValueError naming the first bad entry."""
        networks = []
        for entry in filter(None, (part.strip() for part in text.split(","))):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(entry) from None
        return cls(networks)

    def trusts(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client_address(self, scope: Scope) -> str:
        """The client's IP: the peer, or (behind trusted proxies) the nearest untrusted hop of
        X-Forwarded-For, read from the right as each proxy appends the address it saw."""
        peer = _peer(scope)
        if not self.trusts(peer):
            return peer
        hops = [h.strip() for h in _header(scope, b"x-forwarded-for").split(",") if h.strip()]
        client = peer
        for hop in reversed(hops):
            if _ip(hop) is None:
                break  # garbage: the last well-formed hop is as far as we can believe
            client = hop
            if not self.trusts(hop):
                break
        return client

    def scheme(self, scope: Scope) -> str:
        scheme = str(scope.get("scheme", "http"))
        if self.trusts(_peer(scope)):
            forwarded = _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower()
            if forwarded in ("http", "https"):
                return forwarded
        return scheme

    def host(self, scope: Scope) -> str | None:
        host = _header(scope, b"host").strip()
        if self.trusts(_peer(scope)):
            host = _header(scope, b"x-forwarded-host").split(",")[0].strip() or host
        return host if _HOST.match(host) else None

    def base_url(self, scope: Scope) -> str | None:
        """The URL the client used to reach this app (scheme, host, root path), if known."""
        host = self.host(scope)
        if host is None:
            return None
        return f"{self.scheme(scope)}://{host}{scope.get('root_path', '')}".rstrip("/")


@lru_cache(maxsize=8)
def trusted_proxies(text: str) -> TrustedProxies:
    """Parsed once per setting value (the start-up checks have already refused bad ones)."""
    return TrustedProxies.parse(text)


def link_base(request: Request | None, settings: Settings) -> str:
    """Where links in an API answer point: the address the client reached this server at
    (behind trusted proxies, the one it typed); GIAOVIEC_PUBLIC_URL when that is unknown."""
    base = trusted_proxies(settings.trusted_proxies).base_url(request.scope) if request else None
    return base or settings.public_url.rstrip("/")


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header(scope: Scope, name: bytes) -> str:
    values = [v.decode("latin-1") for k, v in scope.get("headers") or [] if k == name]
    return ",".join(values)
