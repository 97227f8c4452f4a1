"""The posture review: RavenDB Cloud's security advice checked against a profile's products.

``await audit(workspace)`` reads and reviews; ``review(PostureData(...))`` judges data already read. Each
finding and its threshold is explained in docs/audit.md.
"""

from .gather import AuditSource, CreditsReader, audit
from .model import Credits, Finding, Fix, FixKind, ProductPosture, Severity
from .rules import (
    CODES,
    DISABLED_FOR_DAYS,
    LOW_CREDITS_FRACTION,
    MAX_OPERATORS,
    SHARED_MIN_DATABASES,
    WIDE_IPV4_PREFIX,
    WIDE_IPV6_PREFIX,
    PostureData,
    is_initial,
    review,
)

__all__ = [
    "CODES",
    "DISABLED_FOR_DAYS",
    "LOW_CREDITS_FRACTION",
    "MAX_OPERATORS",
    "SHARED_MIN_DATABASES",
    "WIDE_IPV4_PREFIX",
    "WIDE_IPV6_PREFIX",
    "AuditSource",
    "Credits",
    "CreditsReader",
    "Finding",
    "Fix",
    "FixKind",
    "PostureData",
    "ProductPosture",
    "Severity",
    "audit",
    "is_initial",
    "review",
]
