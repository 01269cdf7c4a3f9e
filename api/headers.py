"""Security headers on every HTTP answer of the app (pages, JSON, files, refusals, faults).

JSON and files get a policy that allows nothing at all; HTML pages may load scripts, styles,
images and fonts from this server only. A route that serves HTML with inline styles (the
briefing) sets its own policy naming them by hash, which is kept. HSTS only over TLS: sent on
plain HTTP it would be ignored at best, and lock a mistyped test host out for a year at worst.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_errors import internal_error
from api.proxy import TrustedProxies

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'")
HSTS = "max-age=31536000"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def inline_styles_csp(html: str) -> str:
    """A policy for a static HTML document: no scripts, its own <style> blocks by hash."""
    styles = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(html)) or "'none'"
    return (f"default-src 'none'; style-src {styles}; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = self.proxies.scheme(scope) == "https"
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", PAGE_CSP if html else STRICT_CSP)
                if over_tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 is answered outside every middleware, so without these
            # headers: answer it here (masked), then let the server log the fault.
            if not started:
                await internal_error()(scope, receive, send_with_headers)
            raise
