"""The CLI's documented exit codes, and how an exception maps to one (core errors carry ``exit_code``)."""

from __future__ import annotations

OK = 0
FAILED = 1
USAGE = 2
REFUSED = 3
NOT_FOUND = 4
UNREACHABLE = 5

DESCRIPTIONS: dict[int, str] = {
    OK: "success",
    FAILED: "the operation failed (server error, verification failed, conflict...)",
    USAGE: "usage error: bad argument, bad input file, bad CIDR, wrong passphrase, bad configuration",
    REFUSED: "authentication or permission refused (API key, certificate, clearance, read-only profile)",
    NOT_FOUND: "the product, certificate, rule or file named was not found",
    UNREACHABLE: "no node or endpoint could be reached (network, TLS handshake, IP allow-list)",
}


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an error: its own ``exit_code`` when it is a core error, else FAILED."""
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and code in DESCRIPTIONS:
        return code
    if isinstance(exc, FileNotFoundError):
        return NOT_FOUND
    if isinstance(exc, PermissionError):
        return REFUSED
    return FAILED
