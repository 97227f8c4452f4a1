"""The account's products as the portal (and its ``/ext/v1`` extensions) changes them (``CloudBackend``):
the allow-list, validated as the portal does, and regenerating a product's initial certificate; a product
being created, changed or terminated refuses both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ravensec.core.errors import ValidationError
from ravensec.core.models import IpRule, ProductStatus
from ravensec.mock.state import CertEntry, CloudState, ProductState

from .cluster import ClusterBackend
from .errors import InvalidFields, NotChangeable, ProductNotFound


def require_changeable(p: ProductState) -> None:
    if p.status in (ProductStatus.TERMINATING, ProductStatus.TERMINATED):
        raise NotChangeable(f"Product '{p.id}' is {p.status.value.lower()}; it cannot be changed.")
    if p.status in (ProductStatus.CREATING, ProductStatus.DEPLOYING_CHANGES):
        raise NotChangeable(f"Product '{p.id}' is {p.status.value}; wait until it is Active.")


def parse_allowed_ips(raw: Iterable[Any], *, provider: str = "") -> list[IpRule]:
    """Rules from ``["1.2.3.0/24", {"ip", "alias"}, IpRule, ...]``, validated as the portal does;
    :class:`InvalidFields` (``allowedIps``) listing every problem."""
    from ravensec.core.iprules import parse_rule, validate_rules

    rules: list[IpRule] = []
    problems: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, IpRule):
            rules.append(item)
            continue
        if isinstance(item, str):
            text, alias = item, ""
        elif isinstance(item, dict):
            text, alias = item.get("ip") or item.get("cidr") or "", item.get("alias") or ""
            if not isinstance(text, str) or not isinstance(alias, str):
                problems.append(f"Entry {i + 1}: 'ip' and 'alias' must be strings.")
                continue
        else:
            problems.append(f"Entry {i + 1}: expected a CIDR string or an object {{ip, alias}}.")
            continue
        try:
            rules.append(parse_rule(text, alias))
        except ValidationError as e:
            problems.append(str(e))
    if not problems:
        problems = validate_rules(rules, provider=provider)
    if problems:
        raise InvalidFields({"allowedIps": problems})
    return rules


class CloudBackend:
    """The account's products, as the portal (and its ``/ext/v1`` extensions) changes them."""

    def __init__(self, state: CloudState) -> None:
        self.state = state

    def product(self, product_id: str) -> ProductState:
        """The product; :class:`ProductNotFound` also for a terminated product the API no longer shows."""
        with self.state.lock:
            p = self.state.products.get(product_id)
            if p is None or (p.hidden and p.status == ProductStatus.TERMINATED):
                raise ProductNotFound(product_id)
            return p

    def cluster(self, product_id: str) -> ClusterBackend:
        with self.state.lock:
            p = self.state.products.get(product_id)
            if p is None:
                raise ProductNotFound(product_id)
            return ClusterBackend(self.state, p)

    def allowed_ips(self, product_id: str) -> list[IpRule]:
        with self.state.lock:
            return list(self.product(product_id).allowed_ips)

    def set_allowed_ips(self, product_id: str, rules: Iterable[IpRule | str | Mapping[str, Any]]) -> list[IpRule]:
        """Replace the product's allow-list (validated as the portal does); the rules now in force."""
        with self.state.lock:
            p = self.product(product_id)
            require_changeable(p)
            p.allowed_ips = parse_allowed_ips(rules, provider=p.cloud_provider)
            return list(p.allowed_ips)

    def regenerate_initial_certificate(self, product_id: str) -> CertEntry:
        """A new initial (Operator) certificate, like the cloud's portal: it becomes the product's package
        certificate, and the old one stays registered."""
        from ravensec.mock.build import operator_entry, regenerate_operator

        with self.state.lock:
            p = self.product(product_id)
            require_changeable(p)
        bundle = regenerate_operator(self.state, p)  # key generation outside the lock
        entry = operator_entry(bundle)
        with self.state.lock:
            if self.state.products.get(p.id) is not p:
                raise NotChangeable("The world was reset while regenerating; try again.")
            p.cluster.certificates[entry.thumbprint] = entry
            p.operator_cert = bundle
        return entry

