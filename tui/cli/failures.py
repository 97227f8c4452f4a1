"""How a failed command reports itself: one line for people, one stable object for scripts.

With ``-o json`` (or ``yaml``) the error goes to **stderr** as
``{"error": {"code": 4, "type": "NotFound", "message": "...", "hint": "..."}}`` so stdout only ever carries
results (a pipe into ``jq`` never mistakes an error for an answer); the exit code says which it was.
"""

from __future__ import annotations

import json
from typing import Any

from ravensec.core.errors import ApiError, RavensecError, ValidationError
from ravensec.core.words import capitalised, join_sentences, sentence

from .exitcodes import FAILED, exit_code_for
from .output import Output, serialise


def error_record(code: int, kind: str, message: str, hint: str = "", **extra: Any) -> dict[str, Any]:
    """The documented shape of an error (docs/cli.md, "Errors")."""
    body: dict[str, Any] = {"code": code, "type": kind, "message": capitalised(sentence(message)),
                            "hint": capitalised(sentence(hint)) or None}
    body.update({k: v for k, v in extra.items() if v not in (None, "", {}, 0)})
    return {"error": body}


def record_for(exc: BaseException) -> dict[str, Any]:
    """The error record of an exception raised by a command."""
    if isinstance(exc, RavensecError):
        message = exc.message
        fields = exc.field_errors if isinstance(exc, ValidationError) else {}
        status = exc.status if isinstance(exc, ApiError) else 0
        return error_record(exit_code_for(exc), type(exc).__name__, message, exc.hint, status=status, fields=fields)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return error_record(exit_code_for(exc), type(exc).__name__, f"{exc.strerror or exc}{where}")
    return error_record(FAILED, "UnexpectedError", f"unexpected {type(exc).__name__}: {exc}",
                        "Run with -v for details")


def report(out: Output, record: dict[str, Any]) -> None:
    """Write ``record`` as the format asks: JSON/YAML on stderr, or ``ravensec: message hint`` for people."""
    err = record["error"]
    if out.machine:
        text = json.dumps(record, ensure_ascii=False) + "\n" if out.fmt == "json" else serialise(record, out.fmt)
        out.stderr.write(text)
        out.stderr.flush()
        return
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (err.get("fields") or {}).items())
    message = f"{sentence(err['message'])[:-1]} ({details})" if details else err["message"]
    out.error(join_sentences(message, err["hint"] or ""))
