"""Outside services some tests need: PostgreSQL, Chromium, Node/npm and what npm installs.

One decision for all of them: on a developer's machine a missing service skips the test with a
reason; in CI (`CI=true`) it FAILS, so a broken install can never turn into a green run of
skipped tests. `.ci/run` installs everything these helpers look for.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def need(service: str, reason: str) -> NoReturn:
    """The service is missing: skip here, fail in CI."""
    message = f"{service} is missing: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: every service must be present; see .ci/run)",
                    pytrace=False)
    pytest.skip(message)


def chromium() -> str:
    """The Chromium binary (Debian's `chromium`)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        need("Chromium", "apt-get install chromium (.ci/run installs it)")
    return found


def node_and_npm() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        need("Node/npm", "apt-get install nodejs npm (.ci/run installs them)")
    return node, npm


def graphiql_assets() -> None:
    """GraphiQL's assets, which `make install` gets from npm."""
    from api import graphiql

    if not graphiql.installed():
        node_and_npm()
        need("GraphiQL assets", "`make install` runs npm ci in api/graphiql")


def postgres_url() -> str:
    """TEST_DATABASE_URL (CI always sets it; PostgreSQL on 127.0.0.1:5432)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        need("PostgreSQL", "set TEST_DATABASE_URL, e.g. "
                           "postgresql://postgres@127.0.0.1:5432/test")
    return url
