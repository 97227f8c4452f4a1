"""Helpers that read wire JSON: tolerant of unknown fields, strict on required ones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from .. import wiredates
from ..errors import ValidationError
from .enums import DatabaseAccess

E = TypeVar("E", bound=Enum)


def parse_enum(cls: type[E], value: Any, field_name: str) -> E:
    """Map a wire value to ``cls`` case-insensitively, or raise a ValidationError listing valid values."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        for member in cls:
            if member.value.lower() == value.lower():
                return member
    valid = ", ".join(m.value for m in cls)
    raise ValidationError(f"{field_name}: unknown value {value!r}; expected one of {valid}")


def lenient_enum(cls: type[E], value: Any, default: E) -> E:
    """Like parse_enum, but unknown values map to ``default`` (for fields the cloud may extend)."""
    try:
        return parse_enum(cls, value, "")
    except ValidationError:
        return default


def _req(d: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(d, Mapping):
        raise ValidationError(f"{what}: expected a JSON object, got {type(d).__name__}")
    if key not in d or d[key] is None:
        raise ValidationError(f"{what}: required field {key!r} is missing")
    return d[key]


def _str(d: Mapping[str, Any], key: str, what: str) -> str:
    v = _req(d, key, what)
    if not isinstance(v, str):
        raise ValidationError(f"{what}: field {key!r} must be a string, got {type(v).__name__}")
    return v


def _date(d: Mapping[str, Any], key: str, what: str) -> datetime:
    v = _str(d, key, what)
    try:
        return wiredates.parse(v)
    except ValueError as e:
        raise ValidationError(f"{what}: field {key!r}: {e}") from None


def parse_permissions(raw: Any, what: str = "Permissions") -> dict[str, DatabaseAccess]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{what}: expected an object of database -> access")
    out: dict[str, DatabaseAccess] = {}
    for db, access in raw.items():
        if not isinstance(db, str) or not db.strip():
            raise ValidationError(f"{what}: database name is empty")
        out[db] = parse_enum(DatabaseAccess, access, f"{what}[{db}]")
    return out


