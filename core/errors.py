"""One small typed hierarchy of errors, each carrying a message a person can act on.

Every error has ``message`` (what happened) and ``hint`` (what to do); ``str(err)`` joins them as two
sentences (``words.join_sentences``). Front ends
(TUI, CLI) show ``str(err)`` and never a traceback. ``exit_code`` is the CLI's documented code for it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .words import join_sentences


class RavensecError(Exception):
    """Base of every error raised on purpose by ``core``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return join_sentences(self.message, self.hint) if self.hint else self.message


class UsageError(RavensecError):
    """The caller asked for something malformed (a bad argument, an unknown name)."""

    exit_code = 2


class ValidationError(UsageError):
    """Input failed validation; ``field_errors`` maps a field to its messages (as the Cloud API's 400)."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: Mapping[str, list[str]] | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.field_errors: dict[str, list[str]] = {k: list(v) for k, v in (field_errors or {}).items()}

    def __str__(self) -> str:
        base = super().__str__()
        if not self.field_errors:
            return base
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.field_errors.items())
        return f"{base} ({details})"


class ConfigError(UsageError):
    """The configuration file is wrong; names the file, line (when known) and key."""

    def __init__(
        self, message: str, *, path: str = "", line: int | None = None, key: str = "", hint: str = ""
    ) -> None:
        where = path
        if line is not None:
            where += f":{line}"
        if key:
            where += f" [{key}]" if where else f"[{key}]"
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path = path
        self.line = line
        self.key = key


class ProfileNotFound(ConfigError):
    """The profile named (``--profile``, ``$RAVENSEC_PROFILE``, the current one) is not in the config."""

    exit_code = 4


class CertificateError(UsageError):
    """A certificate, key or package could not be read or written (bad PEM/PFX, wrong passphrase...)."""


class UnsafePathError(UsageError):
    """A file would be written through a symbolic link (or into something that is not a directory)."""

    def __init__(self, message: str, *, path: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.path = path


class ReadOnlyError(RavensecError):
    """A write was attempted in a read-only profile."""

    exit_code = 3

    def __init__(self, what: str = "This change") -> None:
        super().__init__(
            f"{what} is refused: the profile is read-only.",
            hint="Run without --read-only or use a profile without read_only = true.",
        )


class NotSupported(RavensecError):
    """The target cannot do this over its API (e.g. editing allowed IPs on a real Cloud account)."""

    def __init__(self, message: str, *, hint: str = "", portal_url: str = "") -> None:
        super().__init__(message, hint=hint)
        self.portal_url = portal_url


class ApiError(RavensecError):
    """The server answered with an error; ``status`` and the server's own ``server_type``/``server_message``."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        server_type: str = "",
        server_message: str = "",
        url: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.server_type = server_type
        self.server_message = server_message
        self.url = url


class AuthError(ApiError):
    """Who we are was not accepted: bad API key, or no/unknown/expired/disabled client certificate."""

    exit_code = 3


class Forbidden(ApiError):
    """We are known, but our clearance or permissions do not allow this (including the IP allow-list)."""

    exit_code = 3


class NotFound(ApiError):
    exit_code = 4


class Conflict(ApiError):
    pass


class RateLimited(ApiError):
    """429 after the retries we allow ourselves; ``retry_after`` seconds as the server asked."""

    def __init__(self, message: str, *, retry_after: float = 1.0, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """The server failed (5xx not otherwise classified)."""


class CpuCreditsExhausted(ApiError):
    """503: the instance's CPU credits are below its failover threshold, so the server refuses requests flagged
    ``DisableOnCpuCreditsExhaustion`` (RavenDB's ``RequestRouter.RejectRequestBecauseOfCpuThresholdAsync``).
    ``budget`` is the instance's ``CpuCredits`` when it could be read afterwards."""

    exit_code = 5

    def __init__(self, message: str, *, budget: object = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.budget = budget


class Unavailable(RavensecError):
    """No node/endpoint could be reached (refused, reset, timed out) after failover."""

    exit_code = 5


class TlsError(Unavailable):
    """The TLS handshake failed: server certificate not trusted, or client certificate unusable."""
