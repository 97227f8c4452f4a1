from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest

from core.backups import (
    BackupError,
    BackupKeyError,
    decrypt_backup,
    encrypt_backup,
    parse_key,
    read_backup_header,
    verify_backup,
)
from core.errors import ValidationError
from core.models import BackupKind

KEY = bytes(range(32))
WHEN = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DOCS = [
    {"@id": "orders/1", "@collection": "Orders", "total": 12.5},
    {"@id": "orders/2", "@collection": "Orders"},
]


def _file(key: bytes = KEY) -> bytes:
    return encrypt_backup("orders", DOCS, key, kind=BackupKind.FULL, created_at=WHEN)


def test_round_trip_with_the_right_key() -> None:
    data = _file()
    header = read_backup_header(data)
    assert (header.database, header.kind, header.created_at) == ("orders", BackupKind.FULL, WHEN)
    assert decrypt_backup(data, KEY).documents == DOCS
    assert decrypt_backup(data, base64.b64encode(KEY).decode()).documents == DOCS
    assert decrypt_backup(data, KEY.hex()).documents == DOCS
    v = verify_backup(data, KEY)
    assert v.ok and v.documents == 2


def test_the_body_is_really_encrypted() -> None:
    assert b"orders/1" not in _file()


def test_wrong_key_is_refused_clearly() -> None:
    data = _file()
    with pytest.raises(BackupKeyError, match="does not open"):
        decrypt_backup(data, os.urandom(32))
    v = verify_backup(data, os.urandom(32))
    assert not v.ok and "does not open" in v.message


def test_tampering_and_truncation_are_detected() -> None:
    data = bytearray(_file())
    data[-1] ^= 1
    with pytest.raises(BackupError, match="altered"):
        decrypt_backup(bytes(data), KEY)
    with pytest.raises(BackupError, match="truncated"):
        decrypt_backup(_file()[:60], KEY)
    with pytest.raises(BackupError, match="magic"):
        decrypt_backup(b"PK\x03\x04 not a backup", KEY)
    tampered_header = _file().replace(b'"Full"', b'"Incremental"')
    with pytest.raises(BackupError):
        decrypt_backup(tampered_header, KEY)


@pytest.mark.parametrize("text", ["", "abc", "z" * 64, base64.b64encode(b"short").decode()])
def test_parse_key_says_the_expected_form(text: str) -> None:
    with pytest.raises(ValidationError, match="256-bit"):
        parse_key(text)
