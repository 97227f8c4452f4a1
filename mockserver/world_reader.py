"""Typed access to one table of a world file, naming the file and the dotted key in every error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from types import EllipsisType
from typing import Any, TypeVar, overload

from ravensec.core.errors import ConfigError

E = TypeVar("E", bound=StrEnum)


class Reader:
    """Typed access to a TOML table that names the file and dotted key in every error."""

    def __init__(self, source: str, data: Mapping[str, Any], where: str) -> None:
        self.source, self.data, self.where = source, data, where

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, key: str, message: str) -> ConfigError:
        err = ConfigError(f"{key}: {message}", path=self.source)
        err.key = key
        return err

    def check_known(self, allowed: set[str]) -> None:
        for k in self.data:
            if k not in allowed:
                raise self.fail(self.key(k), f"unknown key; expected one of {', '.join(sorted(allowed))}")

    def get(self, name: str, typ: type | tuple[type, ...], default: Any = ..., *, what: str = "") -> Any:
        if name not in self.data:
            if default is ...:
                raise self.fail(self.key(name), "required key is missing")
            return default
        v = self.data[name]
        if isinstance(v, bool) and typ in (int, float, (int, float)):
            raise self.fail(self.key(name), f"expected {what or _tname(typ)}, got a boolean")
        if not isinstance(v, typ):
            raise self.fail(self.key(name), f"expected {what or _tname(typ)}, got {type(v).__name__}")
        return v

    def text(self, name: str, default: str | EllipsisType = ...) -> str:
        v: str = self.get(name, str, default)
        if name in self.data and not v.strip():
            raise self.fail(self.key(name), "must not be empty")
        return v

    def table(self, name: str) -> Reader:
        return Reader(self.source, self.get(name, dict, {}), self.key(name))

    def tables(self, name: str) -> list[Reader]:
        items = self.get(name, list, [], what="an array of tables")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{self.key(name)}[{i}]", "expected a table")
            out.append(Reader(self.source, item, f"{self.key(name)}[{i}]"))
        return out

    def enum(
        self, name: str, cls: type[E], noun: str, default: E | EllipsisType = ..., choices: tuple[E, ...] = ()
    ) -> E:
        if name not in self.data and not isinstance(default, EllipsisType):
            return default
        raw = self.get(name, str)
        members = choices or tuple(m for m in cls if m.value != "Unknown")
        for m in members:
            if m.value.lower() == str(raw).lower():
                return m
        names = [m.value for m in members]
        expected = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        raise self.fail(self.key(name), f"unknown {noun} {raw!r}; expected {expected}")

    @overload
    def when(self, name: str, anchor: datetime, default: datetime | EllipsisType = ...) -> datetime: ...

    @overload
    def when(self, name: str, anchor: datetime, default: None) -> datetime | None: ...

    def when(self, name: str, anchor: datetime, default: datetime | EllipsisType | None = ...) -> datetime | None:
        if name not in self.data and not isinstance(default, EllipsisType):
            return default
        v = self.get(name, (datetime, str), what="a date-time")
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(self.key(name), f"{v!r} is not a date-time (use 2026-01-31T12:00:00Z)") from None
        if not isinstance(v, datetime):
            raise self.fail(self.key(name), "expected a date-time with a time of day")
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def _tname(typ: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "an array",
             dict: "a table", datetime: "a date-time"}
    if isinstance(typ, tuple):
        return " or ".join(names.get(t, t.__name__) for t in typ)
    return names.get(typ, typ.__name__)
