"""Settings that are computed from others."""

from __future__ import annotations

import pytest

from giaoviec.config import Settings


def test_links_default_to_this_servers_own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIAOVIEC_PUBLIC_URL", "GIAOVIEC_HOST", "GIAOVIEC_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIAOVIEC_PORT", "9000")
    assert Settings(_env_file=None).public_url == "http://127.0.0.1:9000"  # type: ignore[call-arg]
    monkeypatch.setenv("GIAOVIEC_HOST", "::1")
    assert Settings(_env_file=None).public_url == "http://[::1]:9000"  # type: ignore[call-arg]
    monkeypatch.setenv("GIAOVIEC_PUBLIC_URL", "https://giaoviec.angiang.gov.vn")
    assert Settings(_env_file=None).public_url == "https://giaoviec.angiang.gov.vn"  # type: ignore[call-arg]
