"""ECMA-335 blobs, decoded by the rules of the standard rather than by known offsets: compressed integers
(II.23.2), method signatures (II.23.2.1) and custom attribute values (II.23.3).

A custom attribute blob does not say the types of its fixed arguments: they come from the attribute
constructor's signature, so ``decode_custom_attribute`` takes the parameter types parsed by
``parse_method_signature``. An enum argument is stored as its underlying integer; the caller says which
value types are enums (and of what underlying type) through an ``EnumLookup``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

# Element types (II.23.1.16) that may appear in attribute constructor signatures and blobs.
VOID = 0x01
BOOLEAN = 0x02
CHAR = 0x03
I1, U1, I2, U2, I4, U4, I8, U8 = 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B
R4, R8 = 0x0C, 0x0D
STRING = 0x0E
PTR = 0x0F
BYREF = 0x10
VALUETYPE = 0x11
CLASS = 0x12
GENERICINST = 0x15
NATIVE_INT, NATIVE_UINT = 0x18, 0x19
OBJECT = 0x1C
SZARRAY = 0x1D
CMOD_REQD, CMOD_OPT = 0x1F, 0x20
# Only in custom attribute blobs (II.23.3).
SYSTEM_TYPE = 0x50
TAGGED_OBJECT = 0x51
FIELD, PROPERTY = 0x53, 0x54
ENUM = 0x55

# Little-endian struct formats of the fixed-size primitives.
_PRIMITIVE = {
    BOOLEAN: "<?",
    CHAR: "<H",
    I1: "<b",
    U1: "<B",
    I2: "<h",
    U2: "<H",
    I4: "<i",
    U4: "<I",
    I8: "<q",
    U8: "<Q",
    R4: "<f",
    R8: "<d",
}

# The coded index TypeDefOrRef (II.24.2.6): two tag bits select the table.
TYPEDEF_OR_REF_TABLES = ("TypeDef", "TypeRef", "TypeSpec")


class BlobError(ValueError):
    """A blob that does not follow the standard (truncated, an unknown tag, bytes left over)."""


@dataclass(frozen=True)
class SigType:
    """A type in a signature. ``token`` is (table name, 1-based row) for VALUETYPE and CLASS."""

    element: int
    token: tuple[str, int] | None = None
    inner: SigType | None = None  # SZARRAY's element type, BYREF/PTR's target
    args: tuple[SigType, ...] = ()  # GENERICINST's type arguments


@dataclass(frozen=True)
class MethodSignature:
    calling_convention: int
    return_type: SigType
    params: tuple[SigType, ...]


@dataclass(frozen=True)
class EnumType:
    """What the decoder needs of an enum: its name and the element type of its ``value__`` field."""

    name: str
    underlying: int
    members: dict[int, str] = field(default_factory=dict)

    def member(self, value: int) -> str:
        return self.members.get(value, str(value))


@dataclass(frozen=True)
class EnumValue:
    type_name: str
    value: int
    name: str


Value = bool | int | float | str | None | EnumValue | list["Value"]


@dataclass(frozen=True)
class NamedArg:
    kind: str  # "field" | "property"
    name: str
    value: Value


@dataclass(frozen=True)
class CustomAttribute:
    fixed: tuple[Value, ...]
    named: tuple[NamedArg, ...]


@dataclass(frozen=True)
class EnumLookup:
    """Resolves enums: by the token of a signature's VALUETYPE, and by the name a blob's named argument
    carries (possibly assembly-qualified). Either returns None for a type that is not a known enum."""

    by_token: Callable[[tuple[str, int]], EnumType | None]
    by_name: Callable[[str], EnumType | None]  # "Namespace.Type", without the assembly


class Reader:
    """A cursor over a blob."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise BlobError(f"blob truncated: need {n} bytes at {self.pos}, have {len(self.data) - self.pos}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def unpack(self, fmt: str) -> int | float | bool:
        value: int | float | bool = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def compressed(self) -> int:
        """A compressed unsigned integer (II.23.2): 1, 2 or 4 bytes, big-endian, length in the top bits."""
        b0 = self.byte()
        if b0 & 0x80 == 0:
            return b0
        if b0 & 0xC0 == 0x80:
            return ((b0 & 0x3F) << 8) | self.byte()
        if b0 & 0xE0 == 0xC0:
            rest = self.take(3)
            return ((b0 & 0x1F) << 24) | (rest[0] << 16) | (rest[1] << 8) | rest[2]
        raise BlobError(f"bad compressed integer lead byte 0x{b0:02x} at {self.pos - 1}")

    def ser_string(self) -> str | None:
        """SerString (II.23.3): 0xFF for null, else a compressed length and that many UTF-8 bytes."""
        if self.pos < len(self.data) and self.data[self.pos] == 0xFF:
            self.pos += 1
            return None
        return self.take(self.compressed()).decode("utf-8")

    def at_end(self) -> bool:
        return self.pos == len(self.data)


def compressed_uint(data: bytes) -> tuple[int, int]:
    """(value, bytes used) of the compressed unsigned integer at the start of ``data``."""
    r = Reader(data)
    return r.compressed(), r.pos


def typedef_or_ref(coded: int) -> tuple[str, int]:
    tag = coded & 3
    if tag == 3:
        raise BlobError(f"TypeDefOrRef coded index 0x{coded:x} has the unused tag 3")
    return TYPEDEF_OR_REF_TABLES[tag], coded >> 2


def _sig_type(r: Reader) -> SigType:
    el = r.byte()
    while el in (CMOD_REQD, CMOD_OPT):  # custom modifiers do not change how a value is stored
        r.compressed()
        el = r.byte()
    if el in _PRIMITIVE or el in (VOID, STRING, OBJECT, NATIVE_INT, NATIVE_UINT):
        return SigType(el)
    if el in (VALUETYPE, CLASS):
        return SigType(el, token=typedef_or_ref(r.compressed()))
    if el in (SZARRAY, BYREF, PTR):
        return SigType(el, inner=_sig_type(r))
    if el == GENERICINST:
        kind = r.byte()
        token = typedef_or_ref(r.compressed())
        args = tuple(_sig_type(r) for _ in range(r.compressed()))
        return SigType(GENERICINST, token=token, inner=SigType(kind, token=token), args=args)
    raise BlobError(f"element type 0x{el:02x} not supported in a method signature")


def parse_method_signature(blob: bytes) -> MethodSignature:
    """A MethodDefSig/MethodRefSig (II.23.2.1, II.23.2.2)."""
    r = Reader(blob)
    conv = r.byte()
    if conv & 0x10:  # GENERIC: a generic parameter count precedes the parameter count
        r.compressed()
    count = r.compressed()
    ret = _sig_type(r)
    params = tuple(_sig_type(r) for _ in range(count))
    return MethodSignature(conv, ret, params)


def _enum_value(r: Reader, enum: EnumType) -> EnumValue:
    raw = int(r.unpack(_PRIMITIVE[enum.underlying]))
    return EnumValue(enum.name, raw, enum.member(raw))


def _array(r: Reader, read_one: Callable[[], Value]) -> list[Value] | None:
    n = int(r.unpack("<I"))
    if n == 0xFFFFFFFF:
        return None
    return [read_one() for _ in range(n)]


def _fixed_arg(r: Reader, t: SigType, enums: EnumLookup) -> Value:
    if t.element in _PRIMITIVE:
        return r.unpack(_PRIMITIVE[t.element])
    if t.element == STRING:
        return r.ser_string()
    if t.element == OBJECT:
        return _tagged(r, enums)
    if t.element == SZARRAY and t.inner is not None:
        inner = t.inner
        return _array(r, lambda: _fixed_arg(r, inner, enums))
    if t.element == VALUETYPE and t.token is not None:
        enum = enums.by_token(t.token)
        if enum is None:
            raise BlobError(f"value type {t.token} of a fixed argument is not a known enum")
        return _enum_value(r, enum)
    if t.element == CLASS:
        # The only class allowed in an attribute constructor besides string and object: System.Type,
        # stored as its (assembly-qualified) name.
        return r.ser_string()
    raise BlobError(f"element type 0x{t.element:02x} not allowed as an attribute argument")


def _prop_type(r: Reader, enums: EnumLookup) -> Callable[[], Value]:
    """Reads a FieldOrPropType (II.23.3) and returns the reader of one value of it."""
    el = r.byte()
    if el in _PRIMITIVE:
        fmt = _PRIMITIVE[el]
        return lambda: r.unpack(fmt)
    if el in (STRING, SYSTEM_TYPE):
        return r.ser_string
    if el == TAGGED_OBJECT:
        return lambda: _tagged(r, enums)
    if el == ENUM:
        # The name may be assembly-qualified ("Ns.Type, Assembly"); the lookup wants the type's full name.
        type_name = (r.ser_string() or "").split(",", 1)[0].strip()
        enum = enums.by_name(type_name)
        if enum is None:
            raise BlobError(f"enum {type_name!r} of a named argument is unknown")
        return lambda: _enum_value(r, enum)
    if el == SZARRAY:
        one = _prop_type(r, enums)
        return lambda: _array(r, one)
    raise BlobError(f"bad FieldOrPropType 0x{el:02x} at {r.pos - 1}")


def _tagged(r: Reader, enums: EnumLookup) -> Value:
    return _prop_type(r, enums)()


def decode_custom_attribute(blob: bytes, params: tuple[SigType, ...], enums: EnumLookup) -> CustomAttribute:
    """Decodes a CustomAttrib blob (II.23.3) given its constructor's parameter types."""
    r = Reader(blob)
    prolog = int(r.unpack("<H"))
    if prolog != 0x0001:
        raise BlobError(f"custom attribute prolog is 0x{prolog:04x}, not 0x0001")
    fixed = tuple(_fixed_arg(r, p, enums) for p in params)
    named: list[NamedArg] = []
    for _ in range(int(r.unpack("<H"))):
        tag = r.byte()
        if tag not in (FIELD, PROPERTY):
            raise BlobError(f"named argument tag 0x{tag:02x} is neither FIELD nor PROPERTY")
        read_value = _prop_type(r, enums)
        name = r.ser_string() or ""
        named.append(NamedArg("field" if tag == FIELD else "property", name, read_value()))
    if not r.at_end():
        raise BlobError(f"{len(blob) - r.pos} bytes left after the custom attribute")
    return CustomAttribute(fixed, tuple(named))


def user_strings(heap: bytes) -> list[tuple[int, str]]:
    """Every string of a ``#US`` heap (II.24.2.4) with its offset: a compressed byte count, UTF-16LE text,
    and one final byte (1 when some character needs more than 8 bits to handle)."""
    out: list[tuple[int, str]] = []
    r = Reader(heap)
    r.take(1)  # offset 0 is the empty blob
    while not r.at_end():
        offset = r.pos
        if heap[offset] == 0:  # trailing padding to a 4-byte boundary
            r.pos += 1
            continue
        size = r.compressed()
        raw = r.take(size)
        if size % 2 == 1:
            raw = raw[:-1]
        out.append((offset, raw.decode("utf-16-le", errors="surrogatepass")))
    return out
