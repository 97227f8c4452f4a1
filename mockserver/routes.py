"""RavenDB's route table (``routes.tsv``, read from the server's source) and the router's matching rules.

Matching follows the real router: paths compare case-insensitively, ``/databases/*/...`` captures one
segment as the database name, and a trailing ``$`` matches the rest of the path (the Studio's static files).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from urllib.parse import unquote


class Requirement(StrEnum):
    """What a route asks of the caller (``authorization_status`` in the table)."""

    UNAUTHENTICATED = "UnauthenticatedClients"
    VALID_USER = "ValidUser"
    DATABASE_ADMIN = "DatabaseAdmin"
    OPERATOR = "Operator"
    CLUSTER_ADMIN = "ClusterAdmin"
    RESTRICTED = "RestrictedAccess"


@dataclass(frozen=True)
class Route:
    path: str  # as in the table: "/databases/*/docs", "/studio/$"
    method: str
    requirement: Requirement
    endpoint_type: str  # "Read" | "Write" | "" (only ValidUser routes carry one)
    handler_class: str
    database_scoped: bool

    @property
    def is_write(self) -> bool:
        return self.endpoint_type == "Write"


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    database: str | None  # the decoded database name of a /databases/{db}/... route


_DB_PREFIX = "/databases/*/"


@cache
def load_routes() -> tuple[Route, ...]:
    """Every route of the table, in file order."""
    # Plain tab-separated text without quoting: split by hand, the csv module would only add import time.
    header, *lines = Path(__file__).with_name("routes.tsv").read_text(encoding="utf-8").splitlines()
    names = header.split("\t")
    rows = (dict(zip(names, line.split("\t"), strict=True)) for line in lines if line)
    return tuple(
        Route(
            path=r["path"],
            method=r["method"].upper(),
            requirement=Requirement(r["authorization_status"]),
            endpoint_type=r["endpoint_type"] or "",
            handler_class=r["handler_class"],
            database_scoped=r["database_scoped"] == "yes",
        )
        for r in rows
    )


@dataclass
class _Table:
    exact: dict[tuple[str, str], Route]  # (lower path, method) for server-level routes
    database: dict[tuple[str, str], Route]  # (lower rest after /databases/{db}, method)
    prefixes: list[tuple[str, str, Route]]  # (lower prefix before "$", method, route)
    paths: set[str]  # every lower path known for any method (for a method mismatch)


@cache
def _table() -> _Table:
    t = _Table({}, {}, [], set())
    for r in load_routes():
        low = r.path.lower()
        if low.endswith("$"):
            t.prefixes.append((low[:-1], r.method, r))
        elif low.startswith(_DB_PREFIX):
            t.database[(low[len(_DB_PREFIX) - 1 :], r.method)] = r
        else:
            t.exact[(low, r.method)] = r
        t.paths.add(low)
    return t


def match(method: str, raw_path: str) -> RouteMatch | None:
    """The route the real router would pick for ``method raw_path``, or None (a RouteNotFoundException).

    ``raw_path`` is the path as sent (percent-encoded); the database segment is decoded for the caller.
    """
    method = method.upper()
    t = _table()
    path = raw_path.split("?", 1)[0]
    low = path.lower().rstrip("/") or "/"
    if low.startswith("/databases/"):
        rest = path[len("/databases/") :]
        db_raw, sep, tail = rest.partition("/")
        if sep and db_raw:
            route = t.database.get(("/" + tail.lower().rstrip("/"), method))
            if route is not None:
                return RouteMatch(route, unquote(db_raw))
    route = t.exact.get((low, method))
    if route is not None:
        return RouteMatch(route, None)
    for prefix, m, r in t.prefixes:
        if m == method and (low + "/").startswith(prefix):
            return RouteMatch(r, None)
    return None


def example_path(route: Route, database: str = "db") -> str:
    """A concrete path that matches ``route`` (for tests that walk the whole table)."""
    path = route.path
    if path.startswith(_DB_PREFIX):
        path = f"/databases/{database}/" + path[len(_DB_PREFIX) :]
    if path.endswith("$"):
        path = path[:-1] + "index.js"
    return path
