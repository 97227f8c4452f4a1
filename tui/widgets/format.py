"""Pure formatting helpers shared by the screens (server text, dates, expiry highlighting, sizes, permissions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.style import Style
from rich.text import Text

from ravensec.core.certs.expiry import ExpiryState, days_left, expiry_state
from ravensec.core.errors import ValidationError
from ravensec.core.models import DatabaseAccess, parse_enum
from ravensec.tui.safetext import has_unsafe, visible

# What an escape made by visible() looks like, to set it apart from the characters around it.
_ESCAPE = r"\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})"
ESCAPE_STYLE = "reverse"


def safe_text(value: object, *, style: str | Style = "", limit: int | None = None, multiline: bool = False) -> Text:
    """A string from a server, a package or a file as a Rich ``Text``: never markup, never terminal control.

    ``[b]`` and ``[@click=app.quit]`` stay literal (a ``Text`` is not parsed); controls and invisible
    characters are shown as escapes (see ``ravensec.tui.safetext.visible``), drawn reversed; ``limit`` cuts
    the text to that many cells with an ellipsis; ``multiline`` keeps line breaks.
    """
    raw = value if isinstance(value, str) else str(value)
    text = Text(visible(raw, limit=limit, multiline=multiline), style=style)
    if has_unsafe(raw, multiline=multiline):
        text.highlight_regex(_ESCAPE, ESCAPE_STYLE)
    return text


def fmt_date(value: datetime | None) -> str:
    # date.isoformat: the same text as strftime("%Y-%m-%d") at a third of the cost (10,000 rows a table).
    return value.date().isoformat() if value else "-"


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


# How each state of core's expiry rule (ravensec.core.certs.identity.expiry_state) is highlighted.
_EXPIRY_STYLE = {
    ExpiryState.EXPIRED: "bold red",
    ExpiryState.EXPIRING_30: "red",
    ExpiryState.EXPIRING_60: "yellow",
    ExpiryState.NOT_YET_VALID: "yellow",
    ExpiryState.VALID: "",
}


def expiry_cell(not_after: datetime | None, now: datetime, not_before: datetime | None = None) -> Text:
    """The expiry date, with the days left once it expires within 60 days, styled by its state."""
    if not_after is None:
        return Text("-")
    state = expiry_state(not_before, not_after, now)
    if state is ExpiryState.EXPIRED:
        label = f"{fmt_date(not_after)} (expired)"
    elif state is ExpiryState.NOT_YET_VALID:
        label = f"{fmt_date(not_after)} (not yet valid)"
    elif state is ExpiryState.VALID:
        label = fmt_date(not_after)
    else:
        label = f"{fmt_date(not_after)} ({days_left(not_after, now)}d)"
    return Text(label, style=_EXPIRY_STYLE[state])


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def fmt_permissions(perms: Mapping[str, DatabaseAccess]) -> str:
    # A StrEnum formats as its value, without the enum descriptor ``.value`` costs (10,000 rows a table).
    return ", ".join(f"{db}:{access}" for db, access in sorted(perms.items())) or "-"


def parse_permissions_text(text: str) -> dict[str, DatabaseAccess]:
    """Parse ``"orders:ReadWrite, hr:Read"``; raises ValidationError naming the bad entry."""
    out: dict[str, DatabaseAccess] = {}
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        db, sep, access = item.partition(":")
        if not sep or not db.strip():
            raise ValidationError(
                f"{item!r} is not database:access", hint="Write e.g. orders:ReadWrite, hr:Read (Read, ReadWrite, Admin)."
            )
        out[db.strip()] = parse_enum(DatabaseAccess, access.strip(), f"access for {db.strip()}")
    return out


def short_thumb(thumbprint: str) -> str:
    return thumbprint[:12] + "…" if len(thumbprint) > 12 else thumbprint


# A certificate's whole row, by state: colour for the eye, and the state column's words for NO_COLOR.
_ROW_STYLE = {**_EXPIRY_STYLE, ExpiryState.EXPIRING_30: "red", ExpiryState.EXPIRED: "bold red"}
_STATE_ORDER = (ExpiryState.EXPIRED, ExpiryState.EXPIRING_30, ExpiryState.EXPIRING_60, ExpiryState.NOT_YET_VALID,
                ExpiryState.VALID)


def cert_state(
    not_before: datetime | None, not_after: datetime, now: datetime, *, disabled: bool, in_use: bool
) -> tuple[str, str, tuple[int, datetime, bool]]:
    """The state column's text (``★ in use``, ``expired``, ``20d``, ``not yet``, ``off``), the row's style
    and a sort key (worst first)."""
    state = expiry_state(not_before, not_after, now)
    marks = ["★ in use"] if in_use else []
    if state is ExpiryState.EXPIRED:
        marks.append("expired")
    elif state is ExpiryState.NOT_YET_VALID:
        marks.append("not yet")
    elif state is not ExpiryState.VALID:
        marks.append(f"{days_left(not_after, now)}d")
    styles = [_ROW_STYLE[state]] if _ROW_STYLE[state] else []
    if disabled:
        marks.append("off")
        styles.append("dim")
    if in_use:
        styles.append("bold")
    return " ".join(marks), " ".join(styles), (_STATE_ORDER.index(state), not_after, disabled)
