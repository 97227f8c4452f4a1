"""Who is at the other end of a request's connection: the client certificate (DER and thumbprint) and the
address. Read once per connection, not per request: on a keep-alive connection every request presents the
same certificate from the same address, and reading them (``getpeercert``, SHA-1, ``get_extra_info``) on
every request was a measurable part of the mock's per-request cost.

The connection's protocol (``http_limits._HeadersDeadline``, every listener of the mock) keeps the answer in
its ``peer`` slot; under another server (aiohttp's test server) it is read per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ravensec.core.certs.der import thumbprint_of_der


@dataclass(frozen=True, slots=True)
class Peer:
    der: bytes | None  # the client certificate, None without one
    thumbprint: str  # of ``der``, "" without one
    ip: str  # "" when unknown
    port: int  # 0 when unknown


NO_PEER = Peer(None, "", "", 0)


def _read(request: web.Request) -> Peer:
    tr = request.transport
    if tr is None:
        return NO_PEER
    sslobj = tr.get_extra_info("ssl_object")
    der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
    addr = tr.get_extra_info("peername")
    return Peer(
        der or None,
        thumbprint_of_der(der) if der else "",
        str(addr[0]) if addr else "",
        int(addr[1]) if addr else 0,
    )


def peer_of(request: web.Request) -> Peer:
    """The peer of ``request``'s connection, cached on the connection when it can be."""
    proto = request.protocol
    cached = getattr(proto, "peer", None)
    if isinstance(cached, Peer):
        return cached
    peer = _read(request)
    if peer is not NO_PEER and hasattr(proto, "peer"):  # a slot of ours, set to None until the first request
        setattr(proto, "peer", peer)  # noqa: B010  (the attribute is ours, not RequestHandler's)
    return peer
