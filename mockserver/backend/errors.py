"""What a rule of the mock raises when it refuses: :class:`BackendError` and its kinds, each carrying the
words the real service uses and standing for one answer (the node's 500s, the portal's 400, 404 and 409)."""

from __future__ import annotations

from collections.abc import Mapping


class BackendError(Exception):
    """A rule of the mock refused; ``message`` is the words the real service uses."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidOperation(BackendError):
    """RavenDB's ``System.InvalidOperationException`` (the server answers 500); ``cause`` its inner one."""

    def __init__(self, message: str, cause: BackendError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class InvalidArgument(BackendError):
    """RavenDB's ``System.ArgumentException`` (500)."""


class ProductNotFound(BackendError):
    """No such product for the Cloud API (404)."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product '{product_id}' was not found.")
        self.product_id = product_id


class NotChangeable(BackendError):
    """The product cannot be changed now: terminating, or a change is under way (409)."""


class InvalidFields(BackendError):
    """The Cloud API's validation failure (400): field -> messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = dict(errors)
