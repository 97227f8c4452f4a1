"""The web host's limits over real TLS sockets (``ravensec.mock.http_limits``), with short timeouts: an idle
connection is closed after the keep-alive timeout, a request whose headers stop coming gets ``408``, a body
over the limit gets ``413`` (by Content-Length or while chunked) and the connection closes."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ravensec.mock import MockCloud
from ravensec.mock.http_limits import HttpLimits
from tests.mockserver.helpers import build_state, node_url, who

LIMITS = HttpLimits(keep_alive_timeout=0.3, request_headers_timeout=0.3, max_request_body=1000)


@pytest.fixture(scope="module")
def limited() -> Iterator[MockCloud]:
    with MockCloud(state_factory=build_state, limits=LIMITS) as cloud:
        yield cloud


def _tls(cloud: MockCloud, pem_dir: Path) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
    pem = who("cluster-admin", pem_dir).pem
    assert pem is not None
    ctx.load_cert_chain(str(pem))
    host, port = node_url(cloud).removeprefix("https://").rsplit(":", 1)
    sock = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10), server_hostname=host)
    sock.settimeout(10)  # a bound on a broken test, far above the limits under test
    return sock


def _read_all(sock: ssl.SSLSocket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(limited: MockCloud, pem_dir: Path) -> None:
    with _tls(limited, pem_dir) as sock:
        t = time.monotonic()
        assert _read_all(sock) == b""
        assert time.monotonic() - t >= LIMITS.keep_alive_timeout * 0.9


def test_a_connection_is_idle_again_after_each_response(limited: MockCloud, pem_dir: Path) -> None:
    with _tls(limited, pem_dir) as sock:
        sock.sendall(b"GET /setup/alive HTTP/1.1\r\nHost: a\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 204") or first.startswith(b"HTTP/1.1 200"), first[:40]
        assert _read_all(sock) == b""  # then the keep-alive timeout closes it


def test_headers_that_stop_coming_get_408(limited: MockCloud, pem_dir: Path) -> None:
    with _tls(limited, pem_dir) as sock:
        sock.sendall(b"GET /setup/alive HTTP/1.1\r\nHost: a\r\n")
        assert _read_all(sock).startswith(b"HTTP/1.1 408 Request Timeout")


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_gets_413_and_the_connection_closes(
    limited: MockCloud, pem_dir: Path, chunked: bool
) -> None:
    body = b'{"Name": "' + b"x" * 2000 + b'"}'
    if chunked:
        head = b"Transfer-Encoding: chunked\r\n"
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    else:
        head, payload = b"Content-Length: %d\r\n" % len(body), body
    with _tls(limited, pem_dir) as sock:
        sock.sendall(b"PUT /admin/certificates HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                     + head + b"\r\n" + payload)
        answer = _read_all(sock)
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert rest.endswith(b"\r\n\r\n") and b"Content-Length: 0" in rest


def test_a_body_within_the_limit_is_served(limited: MockCloud, pem_dir: Path) -> None:
    body = b'{"Name": "n"}'
    with _tls(limited, pem_dir) as sock:
        sock.sendall(b"POST /admin/certificates/edit HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        answer = _read_all(sock)
    assert not answer.startswith(b"HTTP/1.1 413"), answer[:60]


def test_the_server_s_limits_are_the_default() -> None:
    limits = HttpLimits()
    assert (limits.keep_alive_timeout, limits.request_headers_timeout) == (130.0, 30.0)
    assert limits.max_request_body == 30_000_000 and limits.max_request_line == 16384
