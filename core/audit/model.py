"""What a posture review says: findings with a severity, their evidence, the advice and a fix.

Pure data, no I/O: the rules (``rules.py``) make findings from data the workspace has read (``gather.py``),
and every front end renders the same findings (the CLI's table and JSON, the TUI's posture screen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ..models import DatabaseAccess, Product, SecurityClearance


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is worse: findings sort by it, most severe first."""
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class FixKind(StrEnum):
    """Where a front end takes the user to fix a finding. Fixes never change anything themselves: each
    one opens the screen or form whose own confirmation applies the change."""

    IP_RULES = "ip-rules"  # the product's allow-list, with ``Fix.rule`` selected
    CERTIFICATES = "certificates"  # the product's certificates, with ``Fix.thumbprint`` selected (if any)
    GENERATE_LOCAL = "generate-local"  # "generate here and register", prefilled with ``Fix.clearance``...


@dataclass(frozen=True)
class Fix:
    """How to fix a finding: a sentence, the CLI command that does it, and where the TUI goes."""

    kind: FixKind
    hint: str
    command: str = ""
    rule: str | None = None  # a CIDR
    thumbprint: str | None = None
    clearance: SecurityClearance | None = None  # GENERATE_LOCAL's prefill
    permissions: Mapping[str, DatabaseAccess] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One thing worth fixing on one product.

    ``code`` is stable (scripts match on it; docs/audit.md explains each); ``subject`` names the rule or
    certificate concerned (empty when the finding is about the product as a whole); ``evidence`` is the data
    that triggered it, one line each; ``advice`` is the RavenDB Cloud security advice it comes from.
    """

    code: str
    severity: Severity
    product_id: str
    product_name: str
    title: str
    subject: str
    evidence: tuple[str, ...]
    advice: str
    fix: Fix


@dataclass(frozen=True)
class Credits:
    """A burstable product's CPU credits (the review takes them as an optional input, one per product)."""

    remaining: float
    maximum: float


@dataclass(frozen=True)
class ProductPosture:
    """The review of one product: its findings, most severe first, and what could not be read (and why)."""

    product: Product
    findings: tuple[Finding, ...]
    not_reviewed: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """Nothing to fix and nothing left unread: only then is a product vouched for."""
        return not self.findings and not self.not_reviewed
