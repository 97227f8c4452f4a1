from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ravensec.core import wiredates
from ravensec.core.errors import ValidationError
from ravensec.core.models import (
    Backup,
    BackupKind,
    CertificateDefinition,
    ClusterTopology,
    DatabaseAccess,
    Product,
    ProductStatus,
    SecurityClearance,
    Tier,
)

DEFINITION = {
    "Name": "ci-runner",
    "Thumbprint": "a1b2c3",
    "SecurityClearance": "ValidUser",
    "Permissions": {"orders": "ReadWrite"},
    "NotBefore": "2026-01-01T00:00:00.0000000",
    "NotAfter": "2031-01-01T00:00:00.0000000",
    "PublicKeyPinningHash": "abc=",
    "CollectionPrimaryKey": "",
    "CollectionSecondaryKeys": [],
    "Certificate": "MIIB",
    "Disabled": False,
    "SomethingNewIn8x": 1,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031-01-01T00:00:00.0000000", datetime(2031, 1, 1, tzinfo=UTC)),
        ("2031-01-01T00:00:00.1234567Z", datetime(2031, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2031-01-01T02:00:00+02:00", datetime(2031, 1, 1, tzinfo=UTC)),
        ("2031-01-01T00:00:00", datetime(2031, 1, 1, tzinfo=UTC)),
    ],
)
def test_wire_dates_parse(text: str, expected: datetime) -> None:
    assert wiredates.parse(text) == expected


def test_wire_dates_format_has_seven_digits() -> None:
    assert wiredates.format(datetime(2031, 1, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2031-01-01T00:00:00.0000050"
    with pytest.raises(ValueError, match="not a RavenDB date"):
        wiredates.parse("01/01/2031")


def test_definition_round_trip_ignores_unknown_fields() -> None:
    d = CertificateDefinition.from_wire(DEFINITION)
    assert d.thumbprint == "A1B2C3"
    assert d.security_clearance is SecurityClearance.VALID_USER
    assert d.permissions == {"orders": DatabaseAccess.READ_WRITE}
    wire = d.to_wire()
    assert wire["NotAfter"] == "2031-01-01T00:00:00.0000000"
    assert CertificateDefinition.from_wire(wire) == d
    assert "Certificate" not in d.to_wire(metadata_only=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Thumbprint": None}, "Thumbprint"),
        ({"SecurityClearance": "Superuser"}, "unknown value 'Superuser'"),
        ({"Permissions": {"orders": "Everything"}}, "Everything"),
        ({"Permissions": {"": "Read"}}, "database name is empty"),
        ({"NotAfter": "tomorrow"}, "NotAfter"),
    ],
)
def test_definition_is_strict_on_required_fields(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CertificateDefinition.from_wire({**DEFINITION, **change})


def test_product_from_api_builds_nodes_and_rules() -> None:
    p = Product.from_api(
        {
            "id": "p1", "displayName": "Shop", "status": "Active", "tier": "Production", "cloudProvider": "aws",
            "dns": ["a.shop.acme.ravendb.cloud", "b.shop.acme.ravendb.cloud"], "nodeTags": ["A", "B"],
            "security": {"allowedIps": ["0.0.0.0/0", {"ip": "203.0.113.0/24", "alias": "office"}]},
            "hardwareInfo": {"storage": {"size": 10, "type": "SsdStandard"}}, "futureField": {"x": 1},
        }
    )
    assert p.node_urls == {"A": "https://a.shop.acme.ravendb.cloud", "B": "https://b.shop.acme.ravendb.cloud"}
    assert p.allows_all and p.allowed_ips[1].alias == "office"
    assert p.tier is Tier.PRODUCTION and p.status is ProductStatus.ACTIVE
    assert Product.from_api(p.to_api()).node_urls == p.node_urls


def test_product_tolerates_new_statuses_but_not_missing_id() -> None:
    assert Product.from_api({"id": "x", "status": "Hibernating"}).status is ProductStatus.UNKNOWN
    with pytest.raises(ValidationError, match="'id'"):
        Product.from_api({"displayName": "no id"})
    with pytest.raises(ValidationError, match="not an IP"):
        Product.from_api({"id": "x", "security": {"allowedIps": ["office"]}})


def test_cluster_topology_and_backup() -> None:
    t = ClusterTopology.from_wire(
        {"Leader": "A", "NodeTag": "A", "Etag": 3, "Topology": {"Members": {"A": "https://a"}, "Watchers": {"B": "https://b"}}}
    )
    assert t.all_nodes == {"A": "https://a", "B": "https://b"} and t.etag == 3
    b = Backup(
        product_id="p", database="orders", file_name="f", created_at=datetime(2026, 1, 1, tzinfo=UTC),
        kind=BackupKind.FULL, size=10,
    )
    assert Backup.from_api(b.to_api()) == b
    with pytest.raises(ValidationError, match="kind"):
        Backup.from_api({**b.to_api(), "kind": "Differential"})
