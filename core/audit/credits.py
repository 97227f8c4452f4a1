"""Where the posture review gets CPU credits from: the one place to wire a source of credits.

The review's "burstable product low on credits" finding takes a :data:`CreditsReader`; the CLI and the TUI
both ask this module for it. Until the workspace can read a product's CPU credits, there is no reader and
the finding is never made (the review says nothing about credits rather than guess).
"""

from __future__ import annotations

from .gather import AuditSource, CreditsReader

__all__ = ["credits_reader"]


def credits_reader(source: AuditSource) -> CreditsReader | None:
    """The reader of ``source``'s CPU credits, or None when it cannot read them."""
    # Integration point: return an adapter from the workspace's CPU-credit reading to ``Credits`` here.
    return None
