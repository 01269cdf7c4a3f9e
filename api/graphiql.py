"""GraphiQL for dev mode, served from this machine: its scripts come from npm at install time
(`make install` runs `npm ci` in api/graphiql), never from a CDN at run time."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

MODULES = Path(__file__).parent / "graphiql" / "node_modules"
ASSETS = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
}
PREFIX = "/graphiql-assets"

# No inline script or style: the page runs under a policy allowing this server's files only
# (api/headers.py). Headers are not persisted: a bearer token pasted into GraphiQL must not
# stay in the browser's localStorage (GraphiQL also clears what an older page stored).
_PAGE = """<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <title>giaoviec — GraphiQL</title>
  <link rel="stylesheet" href="{prefix}/graphiql.css">
  <link rel="stylesheet" href="{prefix}/page.css">
</head>
<body>
  <div id="graphiql">Đang tải GraphiQL…</div>
  <script src="{prefix}/react.js"></script>
  <script src="{prefix}/react-dom.js"></script>
  <script src="{prefix}/graphiql.js"></script>
  <script src="{prefix}/start.js"></script>
</body>
</html>
"""
OWN_ASSETS = {
    "page.css": ("text/css; charset=utf-8",
                 "html, body, #graphiql { height: 100%; margin: 0; }\n"),
    "start.js": ("text/javascript; charset=utf-8", """"use strict";
const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(React.createElement(GraphiQL, {
  fetcher,
  shouldPersistHeaders: false,
  // Header values must be ASCII: paste the output of `giaoviec token chutich`.
  defaultHeaders: '{"Authorization": "Bearer PASTE-TOKEN-HERE"}',
  defaultQuery: "{ me { fullName unit { name } } }\\n",
}));
"""),
}

_MISSING = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>giaoviec — GraphiQL</title></head>
<body><p>Chưa cài GraphiQL: chạy <code>make install</code> (cần Node.js và npm), rồi tải lại
trang. API GraphQL vẫn nhận yêu cầu POST tại địa chỉ này.</p></body></html>
"""


def installed() -> bool:
    return all((MODULES / path).is_file() for path in ASSETS.values())


def page_html() -> str:
    return _PAGE.format(prefix=PREFIX) if installed() else _MISSING


def assets_router() -> APIRouter:
    router = APIRouter()

    @router.get(PREFIX + "/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name in OWN_ASSETS:
            media_type, content = OWN_ASSETS[name]
            return Response(content, media_type=media_type)
        path = ASSETS.get(name)
        if path is None or not (MODULES / path).is_file():
            raise HTTPException(status_code=404)
        return FileResponse(MODULES / path)

    return router
