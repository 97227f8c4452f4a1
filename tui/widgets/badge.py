"""The header badge: profile, target kind, DEMO, [RO], product, and the client certificate in use (whoami).

Laid out by priority: when the line is narrow the brand, the product and the profile give way first, then the
certificate's thumbprint, then DEMO; the certificate in use (name, clearance, expiry) and [RO] stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from ravensec.core.models import CertificateDefinition

from .format import expiry_cell, safe_text, short_thumb

GAP = "  "
NAME_LIMIT = 60  # cells: a header line holds a few names, and a 10,000-character one must not crowd them out


@dataclass(frozen=True)
class Caller:
    """What the badge shows of the certificate in use."""

    name: str
    thumbprint: str
    clearance: str
    expiry: Text


@dataclass(frozen=True)
class Badge:
    profile: str
    kind: str
    demo: bool
    read_only: bool
    product: str | None
    caller: Caller | None

    def layouts(self) -> Iterator[list[Text]]:
        """Every way to draw the badge, from the fullest to the most compact."""
        brand = Text(" ravensec ", style="bold reverse")
        # The profile comes from a config file, the product and certificate names from a server: data.
        profile = safe_text(f"profile {self.profile} ({self.kind})", style="bold", limit=NAME_LIMIT)
        demo = [Text("DEMO", style="bold black on yellow")] if self.demo else []
        ro = [Text("[RO]", style="bold red")] if self.read_only else []
        product = [safe_text(f"product {self.product}", limit=NAME_LIMIT)] if self.product else []
        yield [brand, profile, *demo, *ro, *product, *self._cert("full")]
        yield [profile, *demo, *ro, *product, *self._cert("full")]
        yield [profile, *demo, *ro, *self._cert("full")]
        yield [*demo, *ro, *self._cert("full")]
        yield [*demo, *ro, *self._cert("medium")]
        yield [*ro, *self._cert("medium")]

    def _cert(self, form: str) -> list[Text]:
        c = self.caller
        if c is None:
            return [Text("cert: unknown", style="dim")] if self.product else []
        text = Text()
        if form == "full":
            text.append("cert ")
            text.append_text(safe_text(c.name, limit=NAME_LIMIT))
            text.append(f" {short_thumb(c.thumbprint)} ")
            text.append(c.clearance, style="bold")
            text.append("  expires ")
        else:
            text.append("cert ")
            text.append_text(safe_text(c.name or short_thumb(c.thumbprint), limit=NAME_LIMIT))
            text.append(" ")
            text.append(c.clearance, style="bold")
            text.append(" exp ")
        text.append_text(c.expiry)
        return [text]

    def fit(self, width: int) -> Text:
        line = Text()
        for items in self.layouts():
            line = _join(items)
            if line.cell_len <= width:
                return line
        return self._squeezed(width)

    def _squeezed(self, width: int) -> Text:
        """The last resort: [RO], then the certificate with its name cut to what is left of the line."""
        c = self.caller
        ro = [Text("[RO]", style="bold red")] if self.read_only else []
        if c is None:
            line = _join([*ro, *self._cert("medium")])
        else:
            tail = Text(" ")
            tail.append(c.clearance, style="bold")
            tail.append(" ")
            tail.append_text(c.expiry)
            room = width - _join(ro).cell_len - (cell_len(GAP) if ro else 0) - 1 - tail.cell_len
            name = safe_text(c.name or short_thumb(c.thumbprint), limit=NAME_LIMIT)
            name.truncate(max(room, 1), overflow="ellipsis")
            line = _join([*ro, Text.assemble(name, tail)])
        line.truncate(width, overflow="ellipsis")
        return line


def _join(items: list[Text]) -> Text:
    line = Text(" ") if items and items[0].plain != " ravensec " else Text()
    line.append_text(Text(GAP).join(items))
    return line


def badge_for(
    *,
    profile: str,
    kind: str,
    demo: bool,
    read_only: bool,
    caller: CertificateDefinition | None,
    product: str | None,
    now: datetime,
) -> Badge:
    shown = None
    if caller is not None:
        shown = Caller(caller.name, caller.thumbprint, caller.security_clearance.label,
                       expiry_cell(caller.not_after, now, caller.not_before))
    return Badge(profile, kind, demo, read_only, product, shown)


class HeaderBadge(Widget):
    """Given a Badge by the app whenever the profile, product or whoami answer changes; fits it to its width."""

    DEFAULT_CSS = "HeaderBadge { height: 1; width: 1fr; background: $panel; }"

    _badge: Badge | None = None

    def show(self, badge: Badge) -> None:
        if badge != self._badge:  # the same answer again: nothing to repaint
            self._badge = badge
            self.refresh()

    def render(self) -> Text:
        return self._badge.fit(self.size.width) if self._badge is not None else Text()
