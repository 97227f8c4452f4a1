"""What the sync reads from a .NET assembly's metadata with dnfile: the ``RavenActionAttribute`` of every
handler method, the enums it uses, the ``#US`` heap, and the ``RavenVersionAttribute`` of Raven.Client.

Constructor arguments become properties by the rule the attribute's own constructors follow: a parameter
sets the property of the same name (case-insensitively), else the one property of the parameter's type
(``requireAuth`` -> ``RequiredAuthorization``). Properties no argument sets keep .NET's default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import dnfile

from ravensec.mock.sync.blob import (
    BOOLEAN,
    GENERICINST,
    CustomAttribute,
    EnumLookup,
    EnumType,
    EnumValue,
    SigType,
    Value,
    decode_custom_attribute,
    parse_method_signature,
    user_strings,
)

ATTRIBUTE = "RavenActionAttribute"
VERSION_ATTRIBUTE = "RavenVersionAttribute"


@dataclass(frozen=True)
class RouteAttribute:
    """One ``[RavenAction(...)]``: the properties it sets, by property name, and the method it decorates."""

    properties: dict[str, Value]
    handler_namespace: str
    handler_class: str
    handler_method: str


@dataclass(frozen=True)
class ServerAssembly:
    routes: list[RouteAttribute]
    property_names: list[str]  # the attribute's properties, in declaration order
    user_strings: list[tuple[int, str]]


def _s(item: Any) -> str:
    """dnfile's heap items (strings) as str; None for a missing one."""
    return "" if item is None else str(item)


class Metadata:
    """Lookups over one assembly's tables, built once."""

    def __init__(self, data: bytes) -> None:
        self.pe = dnfile.dnPE(data=data)  # type: ignore[no-untyped-call,unused-ignore]  # untyped when dnfile (the sync extra) is installed; pefile's constructor is untyped
        net = self.pe.net
        if net is None or net.mdtables is None:
            raise ValueError("not a .NET assembly")
        # dnfile types every table and heap as optional; an assembly with routes has them all, so the
        # lookups below treat them as present (a missing one fails loudly with AttributeError).
        self.md: Any = cast(Any, net.mdtables)
        self.net: Any = cast(Any, net)
        self._type_of_method: dict[int, int] = {}
        for t_index, t in enumerate(self.md.TypeDef.rows, start=1):
            for m in t.MethodList or ():
                self._type_of_method[m.row_index] = t_index
        self._enclosing = {n.NestedClass.row_index: n.EnclosingClass.row_index for n in self._nested_rows()}
        self._constants: dict[int, bytes] = {}
        for c in self.md.Constant.rows if self.md.Constant is not None else ():
            if c.Parent.table.name == "Field":
                self._constants[c.Parent.row_index] = bytes(c.Value.value or b"")
        self._enums_by_row: dict[int, EnumType] = {}
        for row in range(1, len(self.md.TypeDef.rows) + 1):
            enum = self._enum(row)
            if enum is not None:
                self._enums_by_row[row] = enum
        self._enums_by_name = {e.name: e for e in self._enums_by_row.values()}

    def _nested_rows(self) -> Iterator[Any]:
        return iter(self.md.NestedClass.rows if self.md.NestedClass is not None else ())

    def type_name(self, row: int) -> tuple[str, str]:
        """(namespace, name) of TypeDef ``row``; a nested type is ``Outer+Inner`` in the outer's namespace."""
        t = self.md.TypeDef.rows[row - 1]
        outer = self._enclosing.get(row)
        if outer is not None:
            ns, name = self.type_name(outer)
            return ns, f"{name}+{_s(t.TypeName)}"
        return _s(t.TypeNamespace), _s(t.TypeName)

    def full_name(self, row: int) -> str:
        ns, name = self.type_name(row)
        return f"{ns}.{name}" if ns else name

    def _enum(self, row: int) -> EnumType | None:
        t = self.md.TypeDef.rows[row - 1]
        base = t.Extends.row if t.Extends is not None else None
        if base is None or _s(getattr(base, "TypeName", None)) != "Enum":
            return None
        if _s(getattr(base, "TypeNamespace", None)) != "System":
            return None
        underlying = 0
        members: dict[int, str] = {}
        for f in t.FieldList or ():
            sig = bytes(f.row.Signature.value)  # FieldSig: 0x06 then the type
            if _s(f.row.Name) == "value__":
                underlying = sig[1]
            elif f.row.Flags.fdLiteral:
                raw = self._constants.get(f.row_index, b"")
                members[int.from_bytes(raw, "little", signed=True)] = _s(f.row.Name)
        return EnumType(self.full_name(row), underlying, members) if underlying else None

    def enums(self) -> EnumLookup:
        def by_token(token: tuple[str, int]) -> EnumType | None:
            return self._enums_by_row.get(token[1]) if token[0] == "TypeDef" else None

        def by_name(name: str) -> EnumType | None:
            return self._enums_by_name.get(name)

        return EnumLookup(by_token, by_name)

    def typedef_row(self, name: str) -> int:
        rows = [i for i in range(1, len(self.md.TypeDef.rows) + 1) if self.type_name(i)[1] == name]
        if len(rows) != 1:
            raise ValueError(f"expected one type named {name}, found {len(rows)}")
        return rows[0]

    def methods(self, type_row: int) -> list[tuple[int, Any]]:
        return [(m.row_index, m.row) for m in self.md.TypeDef.rows[type_row - 1].MethodList or ()]

    def owner(self, method_row: int) -> int:
        return self._type_of_method[method_row]

    def param_names(self, method: Any) -> list[str]:
        return [_s(p.row.Name) for p in method.ParamList or () if p.row.Sequence > 0]

    def attributes_of_ctor(self, ctor_rows: set[int]) -> Iterator[tuple[int, Any, int]]:
        """(ctor row, blob, parent) of every custom attribute built by one of the TypeDef's constructors;
        ``parent`` is the decorated MethodDef row, or 0 for another kind of parent."""
        for ca in self.md.CustomAttribute.rows:
            t = ca.Type
            if t.table.name == "MethodDef" and t.row_index in ctor_rows:
                parent = ca.Parent.row_index if ca.Parent.table.name == "MethodDef" else 0
                yield t.row_index, bytes(ca.Value.value), parent

    def user_string_heap(self) -> bytes:
        us = self.net.user_strings
        return bytes(self.pe.get_data(us.rva, us.sizeof()))


def _property_types(md: Metadata, type_row: int) -> dict[str, SigType]:
    out: dict[str, SigType] = {}
    for _row, m in md.methods(type_row):
        name = _s(m.Name)
        if name.startswith("get_"):
            out[name[4:]] = parse_method_signature(bytes(m.Signature.value)).return_type
    return out


def _same_type(a: SigType, b: SigType) -> bool:
    if b.element == GENERICINST and b.args:  # Nullable<T> property set from a T parameter
        b = b.args[0]
    return a.element == b.element and a.token == b.token


def _decode_with(md: Metadata, ctor_row: int, blob: bytes, props: dict[str, SigType]) -> dict[str, Value]:
    ctor = md.md.MethodDef.rows[ctor_row - 1]
    sig = parse_method_signature(bytes(ctor.Signature.value))
    attr: CustomAttribute = decode_custom_attribute(blob, sig.params, md.enums())
    values: dict[str, Value] = {}
    for pname, ptype, value in zip(md.param_names(ctor), sig.params, attr.fixed, strict=True):
        target = next((p for p in props if p.lower() == pname.lower()), None)
        if target is None:
            typed = [p for p, t in props.items() if _same_type(ptype, t)]
            if len(typed) != 1:
                raise ValueError(f"constructor parameter {pname} matches no single property: {typed}")
            target = typed[0]
        values[target] = value
    for arg in attr.named:
        values[arg.name] = arg.value
    return values


def _default(t: SigType) -> Value:
    return False if t.element == BOOLEAN else None


def read_server(data: bytes) -> ServerAssembly:
    """Every route of Raven.Server.dll (its ``RavenActionAttribute`` uses) and its user strings."""
    md = Metadata(data)
    attr_row = md.typedef_row(ATTRIBUTE)
    ctors = {row for row, m in md.methods(attr_row) if _s(m.Name) == ".ctor"}
    props = _property_types(md, attr_row)
    routes: list[RouteAttribute] = []
    for ctor_row, blob, parent in md.attributes_of_ctor(ctors):
        values = {name: _default(t) for name, t in props.items()}
        values.update(_decode_with(md, ctor_row, blob, props))
        owner = md.owner(parent)
        ns, cls = md.type_name(owner)
        routes.append(RouteAttribute(values, ns, cls, _s(md.md.MethodDef.rows[parent - 1].Name)))
    return ServerAssembly(routes, list(props), user_strings(md.user_string_heap()))


def read_version(data: bytes) -> dict[str, str]:
    """The named arguments of the assembly's ``RavenVersionAttribute`` (Build, CommitHash, Version,
    FullVersion, ReleaseDateString), as Raven.Client.dll carries them."""
    md = Metadata(data)
    attr_row = md.typedef_row(VERSION_ATTRIBUTE)
    ctors = {row for row, m in md.methods(attr_row) if _s(m.Name) == ".ctor"}
    props = _property_types(md, attr_row)
    for ca in md.md.CustomAttribute.rows:
        if ca.Parent.table.name == "Assembly" and ca.Type.table.name == "MethodDef" and ca.Type.row_index in ctors:
            values = _decode_with(md, ca.Type.row_index, bytes(ca.Value.value), props)
            return {k: str(v) for k, v in values.items() if not isinstance(v, EnumValue | list)}
    raise ValueError(f"no assembly-level {VERSION_ATTRIBUTE}")
