"""Client address, scheme and host behind reverse proxies: X-Forwarded-* count only when the
socket peer is a configured trusted proxy."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.proxy import TrustedProxies

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.1, fd00::/8")


def scope(peer: str | None, **headers: str) -> dict[str, Any]:
    return {"type": "http", "scheme": "http", "root_path": "",
            "client": (peer, 40000) if peer else None,
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}


def test_forwarded_headers_from_anyone_else_are_ignored() -> None:
    s = scope("203.0.113.9", x_forwarded_for="1.2.3.4", x_forwarded_proto="https",
              x_forwarded_host="evil.example", host="giaoviec.local:8000")
    assert PROXIES.client_address(s) == "203.0.113.9"
    assert PROXIES.base_url(s) == "http://giaoviec.local:8000"
    assert TrustedProxies().client_address(scope("10.0.0.1", x_forwarded_for="1.2.3.4")) \
        == "10.0.0.1"  # nothing trusted by default


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    # The client may put anything on the left; each trusted proxy appends what it saw.
    s = scope("10.0.0.2", x_forwarded_for="6.6.6.6, 198.51.100.4, 192.168.1.1",
              x_forwarded_proto="https", x_forwarded_host="giaoviec.gov.vn", host="10.0.0.9")
    assert PROXIES.client_address(s) == "198.51.100.4"
    assert PROXIES.base_url(s) == "https://giaoviec.gov.vn"
    assert PROXIES.client_address(scope("fd00::1", x_forwarded_for="2001:db8::5")) \
        == "2001:db8::5"
    assert PROXIES.client_address(scope("10.0.0.2", x_forwarded_for="not-an-ip")) == "10.0.0.2"
    assert PROXIES.client_address(scope("10.0.0.2")) == "10.0.0.2"
    assert PROXIES.client_address(scope(None)) == ""


def test_a_host_that_is_not_a_host_gives_no_base_url() -> None:
    assert PROXIES.base_url(scope("127.0.0.1", host="a b/c")) is None
    assert PROXIES.base_url(scope("127.0.0.1")) is None
    assert PROXIES.base_url(scope("127.0.0.1", host="[::1]:8000")) == "http://[::1]:8000"


def test_bad_entries_are_named() -> None:
    with pytest.raises(ValueError, match="10.0.0.300"):
        TrustedProxies.parse("10.0.0.1, 10.0.0.300")
    assert TrustedProxies.parse(" , ").networks == ()


@given(peer=st.ip_addresses().map(str), forwarded=st.text(max_size=60))
def test_the_client_address_is_the_peer_or_a_forwarded_hop(peer: str, forwarded: str) -> None:
    s = scope(peer, x_forwarded_for=forwarded.encode("latin-1", "replace").decode("latin-1"))
    address = PROXIES.client_address(s)
    assert address == peer or (PROXIES.trusts(peer) and address in forwarded)
