"""RavenDB's route table and the router's matching rules.

``routes.tsv`` is generated from the real server binary by ``python -m ravensec.mock.sync`` (one row per
``RavenActionAttribute`` of Raven.Server.dll); ``ravendb_build.json`` says which release it is from.

Matching follows the real router: paths compare case-insensitively, ``/databases/*/...`` captures one
segment as the database name, and a trailing ``$`` matches the rest of the path (the Studio's static files).
"""

from __future__ import annotations

import json
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
    # The attribute's other properties, as the server's router reads them.
    is_debug_information_endpoint: bool = False
    disable_on_cpu_credits_exhaustion: bool = False
    check_for_changes: bool = True
    cors_mode: str = "None"  # "None" | "Cluster" | "Public"
    skip_usages_count: bool = False
    skip_last_request_time_update: bool = False
    is_posix_specific_endpoint: bool = False
    handler_method: str = ""

    @property
    def is_write(self) -> bool:
        return self.endpoint_type == "Write"


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    database: str | None  # the decoded database name of a /databases/{db}/... route


_DB_PREFIX = "/databases/*/"


@dataclass(frozen=True)
class ServerBuild:
    """The RavenDB release the table was generated from (``ravendb_build.json``)."""

    full_version: str  # "7.2.7"
    product_version: str  # "7.2"
    build_version: int  # 72051
    commit_hash: str


@cache
def server_build() -> ServerBuild:
    meta = json.loads(Path(__file__).with_name("ravendb_build.json").read_text(encoding="utf-8"))
    return ServerBuild(
        meta["full_version"], meta["product_version"], int(meta["build_version"]), meta["commit_hash"]
    )


def cloud_server_version() -> str:
    """The version string RavenDB Cloud shows for a product on this release ("7.2.7-cloud-72051"); the mock's
    nodes send it as ``Raven-Server-Version``."""
    b = server_build()
    return f"{b.full_version}-cloud-{b.build_version}"


def _flag(value: str) -> bool:
    return value == "true"


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
            is_debug_information_endpoint=_flag(r["is_debug_information_endpoint"]),
            disable_on_cpu_credits_exhaustion=_flag(r["disable_on_cpu_credits_exhaustion"]),
            check_for_changes=_flag(r["check_for_changes"]),
            cors_mode=r["cors_mode"],
            skip_usages_count=_flag(r["skip_usages_count"]),
            skip_last_request_time_update=_flag(r["skip_last_request_time_update"]),
            is_posix_specific_endpoint=_flag(r["is_posix_specific_endpoint"]),
            handler_method=r["handler_method"],
        )
        for r in rows
    )


@dataclass
class _Table:
    exact: dict[tuple[str, str], Route]  # (lower path, method) for server-level routes
    database: dict[tuple[str, str], Route]  # (lower rest after /databases/{db}, method)
    prefixes: list[tuple[str, str, Route]]  # (lower prefix before "$", method, route)
    database_prefixes: list[tuple[str, str, Route]]  # the same after /databases/{db}
    paths: set[str]  # every lower path known for any method (for a method mismatch)


@cache
def _table() -> _Table:
    t = _Table({}, {}, [], [], set())
    for r in load_routes():
        low = r.path.lower()
        if low.endswith("$") and low.startswith(_DB_PREFIX):
            t.database_prefixes.append((low[len(_DB_PREFIX) - 1 : -1], r.method, r))
        elif low.endswith("$"):
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
            rest_low = "/" + tail.lower().rstrip("/")
            route = t.database.get((rest_low, method))
            if route is None:
                route = next(
                    (r for p, m, r in t.database_prefixes if m == method and (rest_low + "/").startswith(p)), None
                )
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
