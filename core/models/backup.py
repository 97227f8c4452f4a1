"""A backup file of one database of a product (the mock's extension API, camelCase)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import wiredates
from ..errors import ValidationError
from ._parse import _req, _str, lenient_enum, parse_enum
from .enums import BackupKeySource, BackupKind


@dataclass(frozen=True)
class Backup:
    """One backup file of one database of a product."""

    product_id: str
    database: str
    file_name: str
    created_at: datetime
    kind: BackupKind
    size: int
    encrypted: bool = True
    key_source: BackupKeySource = BackupKeySource.ACCOUNT

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Backup:
        what = "backup"
        try:
            created = wiredates.parse(_str(d, "createdAt", what))
        except ValueError as e:
            raise ValidationError(f"{what}: createdAt: {e}") from None
        return cls(
            product_id=_str(d, "productId", what),
            database=_str(d, "database", what),
            file_name=_str(d, "fileName", what),
            created_at=created,
            kind=parse_enum(BackupKind, _req(d, "kind", what), f"{what}.kind"),
            size=int(d.get("size") or 0),
            encrypted=bool(d.get("encrypted", True)),
            key_source=lenient_enum(BackupKeySource, d.get("keySource"), BackupKeySource.ACCOUNT),
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "database": self.database,
            "fileName": self.file_name,
            "createdAt": wiredates.format(self.created_at),
            "kind": self.kind.value,
            "size": self.size,
            "encrypted": self.encrypted,
            "keySource": self.key_source.value,
        }
