"""The mock's rules as methods over its in-memory state (moto's backends, for RavenDB Cloud).

:class:`ClusterBackend` (``cluster``) holds one product's cluster rules -- generate, register, edit, delete
and purge certificates, with the clearance checks and messages of RavenDB's
``src/Raven.Server/Web/Authentication/AdminCertificatesHandler.cs`` -- and :class:`CloudBackend` (``cloud``)
the account's: the allowed-IP list and regenerating a product's initial certificate. Node and portal handlers
parse a request, call one method and write the answer; tests and fixture users call the same methods instead
of editing ``CloudState`` under its lock. Every method takes the lock itself. ``caller`` says who asks.

A rule that refuses raises a :class:`BackendError` (``errors``); each front door maps those to HTTP in one
place (the node's dispatcher as the server's error body, the portal's error middleware as the Cloud API's JSON).
"""

from .caller import OWNER, Caller
from .cloud import CloudBackend, parse_allowed_ips, require_changeable
from .cluster import ClusterBackend, entry_for
from .errors import (
    BackendError,
    InvalidArgument,
    InvalidFields,
    InvalidOperation,
    NotChangeable,
    ProductNotFound,
)

__all__ = [
    "OWNER",
    "BackendError",
    "Caller",
    "CloudBackend",
    "ClusterBackend",
    "InvalidArgument",
    "InvalidFields",
    "InvalidOperation",
    "NotChangeable",
    "ProductNotFound",
    "entry_for",
    "parse_allowed_ips",
    "require_changeable",
]
