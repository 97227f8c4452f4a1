"""The facade the TUI and the CLI use: one profile's products, certificates, IP rules and backups.

``Workspace.open(profile)`` wires a :class:`CloudApi` (cloud and mock kinds) and, lazily, one
:class:`InstanceClient` per product. A "direct" profile is one pseudo product ``"direct"`` made of
``profile.nodes``, with no Cloud API. Read-only is enforced here, before any request leaves.

:class:`Workspace` is made of three parts: the session (``session``: opening, closing, products and the
client of each product's nodes), what is asked of the nodes (``certificates``: registrations and the CPU
credits generating one spends) and what only the Cloud API answers (``cloud``: the certificate package, the
allow-list, the initial certificate, backups).
"""

from __future__ import annotations

from .certificates import CertificateOperations
from .cloud import CloudOperations
from .session import DIRECT_PRODUCT_ID, Capabilities

__all__ = ["DIRECT_PRODUCT_ID", "Capabilities", "Workspace"]


class Workspace(CertificateOperations, CloudOperations):
    """Open with ``await Workspace.open(profile)`` or ``async with await Workspace.open(profile)``."""
