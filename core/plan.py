"""A change to security state, described before it is made: what it does, what it costs, who must agree.

Every change (register, generate, edit, delete, purge, allow-list save, regenerate) goes one way: core
builds a :class:`ChangePlan` from the current state (``ravensec.core.planning``), a front shows it, the
person agrees to the consents it names, then ``planning.apply`` makes the change and reads it back. The plan
holds no I/O: fronts may render it however they like, and ``lines()`` is the plain text every front can use
(it carries the severity as a word, so it reads the same without colour).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from .errors import UsageError
from .models import CertificateDefinition, DatabaseAccess, IpRule, SecurityClearance

__all__ = ["ChangePlan", "Consent", "ConsentRequired", "Effect", "Severity"]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "danger": 2}[self.value]


class Consent(StrEnum):
    """What a person must agree to, beyond running the command: each maps to its own flag or question."""

    CONFIRM = "confirm"  # an ordinary "are you sure" (CLI: a y/N question or --yes)
    REPLACE = "replace"  # an existing registration is overwritten (CLI: --replace)
    LOCKOUT = "lockout"  # you lose your own access (CLI: --allow-lockout; TUI: typed confirmation)


@dataclass(frozen=True)
class Effect:
    severity: Severity
    text: str

    def line(self) -> str:
        return f"{self.severity.value}: {self.text}" if self.severity is not Severity.INFO else self.text


@dataclass(frozen=True)
class ChangePlan:
    """One requested change. ``request`` holds what ``apply`` sends (a small dataclass per action)."""

    action: str  # "upload", "generate", "generate-local", "edit", "disable", "enable", "delete", ...
    product_id: str
    summary: str
    request: Any
    effects: tuple[Effect, ...] = ()
    consents: frozenset[Consent] = frozenset()
    changes: bool = True  # False: applying would change nothing (e.g. no expired certificate to purge)

    @property
    def severity(self) -> Severity:
        return max((e.severity for e in self.effects), key=lambda s: s.rank, default=Severity.INFO)

    def lines(self) -> list[str]:
        """The summary, then one line per effect prefixed with its severity (no colour needed)."""
        return [self.summary, *(f"  {e.line()}" for e in self.effects)]

    def missing(self, given: Iterable[Consent]) -> frozenset[Consent]:
        return self.consents - frozenset(given)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "effects": [{"severity": e.severity.value, "text": e.text} for e in self.effects],
            "consents": sorted(c.value for c in self.consents),
        }


class ConsentRequired(UsageError):
    """``apply`` was called without every consent the plan names; nothing was changed."""

    def __init__(self, plan: ChangePlan, missing: frozenset[Consent], *, hint: str = "") -> None:
        names = ", ".join(sorted(c.value for c in missing))
        super().__init__(f"Not applied: {plan.summary} needs consent ({names}); nothing was changed.", hint=hint)
        self.plan = plan
        self.missing = missing


# ------------------------------------------------------------------------------------------ requests
# What each plan will send. Kept separate from the plan's text so a front can never apply what it did not show.


@dataclass(frozen=True)
class Access:
    clearance: SecurityClearance
    permissions: Mapping[str, DatabaseAccess] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterRequest:
    name: str
    certificate: Any  # bytes of a PEM/DER/PFX file, or a CertBundle
    password: str | None
    access: Access
    thumbprint: str
    replaces: CertificateDefinition | None


@dataclass(frozen=True)
class GenerateRequest:
    name: str
    access: Access
    password: str | None
    not_after: datetime | None
    target: Path  # the package ZIP, created exclusively


@dataclass(frozen=True)
class LocalRequest:
    name: str
    access: Access
    key_type: str
    folder: Path
    stem: str
    password: str | None


@dataclass(frozen=True)
class EditRequest:
    before: CertificateDefinition
    name: str
    access: Access
    disabled: bool


@dataclass(frozen=True)
class DeleteRequest:
    certificates: tuple[CertificateDefinition, ...]
    purge: bool = False  # one DELETE /admin/certificates/purge instead of one DELETE each


@dataclass(frozen=True)
class IpRulesRequest:
    before: tuple[IpRule, ...]
    rules: tuple[IpRule, ...]


@dataclass(frozen=True)
class RegenerateRequest:
    pass
