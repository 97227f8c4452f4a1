"""Enums and frozen dataclasses of the domain, with JSON mapping to and from both wires.

RavenDB server JSON is PascalCase (``from_wire``/``to_wire``); the Cloud API v1 is camelCase
(``from_api``/``to_api``). Readers are tolerant of unknown fields and strict on required ones: a missing
or malformed required field raises :class:`ravensec.core.errors.ValidationError` naming it.
"""

from ._parse import lenient_enum, parse_enum, parse_permissions
from .backup import Backup
from .credits import BurstableType, CpuCredits, GenerationCost, burstable_type, generation_cost, is_burstable
from .enums import BackupKeySource, BackupKind, DatabaseAccess, ProductStatus, SecurityClearance, Tier
from .products import AccountInfo, IpNetwork, IpRule, Node, Product, ProductSummary, Storage
from .server import BuildVersion, CertificateDefinition, ClusterTopology

__all__ = [
    "AccountInfo",
    "Backup",
    "BackupKeySource",
    "BackupKind",
    "BuildVersion",
    "BurstableType",
    "CertificateDefinition",
    "ClusterTopology",
    "CpuCredits",
    "DatabaseAccess",
    "GenerationCost",
    "IpNetwork",
    "IpRule",
    "Node",
    "Product",
    "ProductStatus",
    "ProductSummary",
    "SecurityClearance",
    "Storage",
    "Tier",
    "burstable_type",
    "generation_cost",
    "is_burstable",
    "lenient_enum",
    "parse_enum",
    "parse_permissions",
]
