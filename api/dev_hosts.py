"""Dev mode answers only requests addressed to this machine.

Dev mode trusts its caller (dev tokens, GraphiQL, the sign-in page that hands out sessions).
Listening on loopback is not enough: through DNS rebinding a web page the developer visits
(`evil.example`, resolving to 127.0.0.1) can reach the dev server from the browser, but its
requests carry `Host: evil.example`. Only loopback names are answered (and any the developer
adds with GIAOVIEC_DEV_ALLOWED_HOSTS), behind a trusted proxy the one it forwards; anything
else is 421 before any route runs.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.http_errors import error_response
from api.proxy import TrustedProxies

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
MESSAGE = "Máy chủ chế độ dev chỉ trả lời yêu cầu gửi tới localhost."


def host_name(host: str) -> str:
    """"LocalHost:8101" → "localhost"; "[::1]:8101" → "[::1]"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].rstrip(".")


class LoopbackHostOnly:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies, extra: str = "") -> None:
        self.app = app
        self.proxies = proxies  # behind a trusted proxy, the host the browser asked for
        self.allowed = LOOPBACK_HOSTS | {host_name(h) for h in extra.split(",") if h.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and \
                host_name(self.proxies.host(scope) or "") not in self.allowed:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = error_response(421, "FORBIDDEN", MESSAGE)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
