"""The header badge: profile, target kind, DEMO, [RO], and the client certificate in use (from whoami)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from ravensec.core.models import CertificateDefinition

from .format import expiry_cell, short_thumb


def badge_text(
    *,
    profile: str,
    kind: str,
    demo: bool,
    read_only: bool,
    caller: CertificateDefinition | None,
    product: str | None,
    now: datetime,
) -> Text:
    text = Text()
    text.append(" ravensec ", style="bold reverse")
    text.append(f"  profile {profile} ({kind})", style="bold")
    if demo:
        text.append("  DEMO", style="bold black on yellow")
    if read_only:
        text.append("  [RO]", style="bold red")
    if product:
        text.append(f"  product {product}")
    if caller is not None:
        text.append(f"  cert {caller.name} {short_thumb(caller.thumbprint)} ")
        text.append(caller.security_clearance.label, style="bold")
        text.append("  expires ")
        text.append_text(expiry_cell(caller.not_after, now, caller.not_before))
    elif product:
        text.append("  cert: unknown", style="dim")
    return text


class HeaderBadge(Static):
    """Re-rendered by the app whenever the profile, product or whoami answer changes."""

    DEFAULT_CSS = "HeaderBadge { height: 1; width: 1fr; background: $panel; }"
