"""A profile: everything needed to reach one target (a Cloud account, direct nodes, or a mock).

Plain data; ``ravensec.core.config`` reads and writes profiles from the TOML config and resolves secrets into
``api_key``/``client_cert_password`` at load time. Secrets never appear in ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ProfileKind = Literal["cloud", "direct", "mock"]

REAL_API_URL = "https://api.cloud.ravendb.net/api/v1"
REAL_PORTAL_URL = "https://cloud.ravendb.net"


@dataclass(frozen=True)
class Profile:
    """One resolved profile of the config: what to connect to, with which key and certificates."""

    name: str
    kind: ProfileKind
    # cloud / mock: the Cloud API v1 base URL (the mock serves it too) and the resolved key.
    api_url: str = REAL_API_URL
    api_key: str | None = field(default=None, repr=False)
    api_key_ref: str = ""  # where the key comes from: "env:VAR" or "secret:NAME" (the 0600 secrets file)
    # Trust anchor for servers (portal and nodes): None means the system store; the mock's CA for a mock.
    ca_file: Path | None = None
    # Client certificate for nodes: a PEM (cert+key) or PFX. Per product overrides in ``certificates``.
    client_cert: Path | None = None
    client_cert_password: str | None = field(default=None, repr=False)
    client_cert_password_ref: str = ""
    certificates: Mapping[str, Path] = field(default_factory=dict)  # product id -> PEM/PFX
    # direct: the node URLs of one self-hosted (or cloud) cluster, treated as one product "direct".
    nodes: tuple[str, ...] = ()
    # mock: a running `ravensec-mock serve --state-dir DIR` (connection.json inside).
    state_dir: Path | None = None
    read_only: bool = False
    portal_url: str = REAL_PORTAL_URL
    # Request timeout in seconds for one HTTP call.
    timeout: float = 30.0
