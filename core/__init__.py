"""ravensec core: the async library that speaks RavenDB Cloud's wire protocols.

The public API is what this package re-exports; everything else is private detail. Front ends (the TUI,
the CLI, other programs) import from here. ``core`` never imports Textual, ``tui`` or ``mockserver``.
"""

from .errors import (
    ApiError,
    AuthError,
    CertificateError,
    ConfigError,
    Conflict,
    Forbidden,
    NotFound,
    NotSupported,
    RateLimited,
    RavensecError,
    ReadOnlyError,
    ServerError,
    TlsError,
    Unavailable,
    UsageError,
    ValidationError,
)
from .models import (
    AccountInfo,
    Backup,
    BackupKeySource,
    BackupKind,
    BuildVersion,
    CertificateDefinition,
    ClusterTopology,
    DatabaseAccess,
    IpRule,
    Node,
    Product,
    ProductStatus,
    ProductSummary,
    SecurityClearance,
    Storage,
    Tier,
)

__all__ = [
    "AccountInfo",
    "ApiError",
    "AuthError",
    "Backup",
    "BackupKeySource",
    "BackupKind",
    "BuildVersion",
    "Capabilities",
    "CertificateDefinition",
    "CertificateError",
    "ClusterTopology",
    "ConfigError",
    "Conflict",
    "DatabaseAccess",
    "Forbidden",
    "IpRule",
    "Node",
    "NotFound",
    "NotSupported",
    "Product",
    "ProductStatus",
    "ProductSummary",
    "RateLimited",
    "RavensecError",
    "ReadOnlyError",
    "SecurityClearance",
    "ServerError",
    "Storage",
    "Tier",
    "TlsError",
    "Unavailable",
    "UsageError",
    "ValidationError",
    "Workspace",
]


def __getattr__(name: str) -> object:
    # Every import of a ravensec.core submodule runs this file first (the mock's world loader, the CLI's
    # --help): the facade would add aiohttp and the HTTP layer to each (~100 ms measured), so it loads here.
    if name in ("Workspace", "Capabilities"):
        from . import workspace

        return getattr(workspace, name)
    raise AttributeError(f"module 'ravensec.core' has no attribute {name!r}")
