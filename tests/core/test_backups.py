from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ravensec.core.backups import (
    BackupError,
    BackupKeyError,
    decrypt_backup,
    encrypt_backup,
    parse_key,
    read_backup_header,
    save_decrypted,
    verify_backup,
)
from ravensec.core.errors import ValidationError
from ravensec.core.models import BackupKind

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


ACCOUNT = bytes(range(1, 33))
DB_KEY = bytes(range(2, 34))


def test_wrong_key_says_which_key_the_file_expects() -> None:
    account_file = _file(ACCOUNT)
    with pytest.raises(BackupKeyError) as e:
        decrypt_backup(account_file, DB_KEY, account_key=ACCOUNT)
    assert e.value.expects == "account" and "account's backup key" in str(e.value)
    db_file = _file(DB_KEY)
    with pytest.raises(BackupKeyError) as e:
        decrypt_backup(db_file, ACCOUNT, account_key=base64.b64encode(ACCOUNT).decode())
    assert e.value.expects == "database" and "database's own" in str(e.value)
    with pytest.raises(BackupKeyError) as e:
        decrypt_backup(db_file, ACCOUNT)
    assert e.value.expects == "" and e.value.file_key_id in str(e.value)
    assert isinstance(e.value, ValidationError)
    assert ACCOUNT.hex() not in str(e.value) and base64.b64encode(ACCOUNT).decode() not in str(e.value)
    v = verify_backup(db_file, ACCOUNT, account_key=ACCOUNT)
    assert not v.ok and "database's own" in v.message


@pytest.mark.parametrize("cut", [0, 5, len(b"RVNBKP1\n") + 10, -17, -1])
def test_every_truncation_is_a_backup_error(cut: int) -> None:
    data = _file()
    with pytest.raises(BackupError):
        decrypt_backup(data[:cut], KEY)


def test_a_corrupted_header_is_a_backup_error_not_a_crash() -> None:
    data = _file()
    with pytest.raises(BackupError, match="header"):
        read_backup_header(data.replace(b'"createdAt"', b'"createdXX"'))
    with pytest.raises(BackupError, match="header"):
        read_backup_header(b"RVNBKP1\n{not json}\n" + bytes(40))


def test_same_nonce_gives_the_same_file_and_different_nonces_differ() -> None:
    a = encrypt_backup("orders", DOCS, KEY, kind=BackupKind.FULL, created_at=WHEN, nonce=bytes(12))
    b = encrypt_backup("orders", DOCS, KEY, kind=BackupKind.FULL, created_at=WHEN, nonce=bytes(12))
    assert a == b and _file() != _file()
    with pytest.raises(ValidationError, match="32 bytes"):
        encrypt_backup("orders", DOCS, b"short", kind=BackupKind.FULL, created_at=WHEN)


def test_save_decrypted_is_private_and_atomic(tmp_path: Path) -> None:
    contents = decrypt_backup(_file(), KEY)
    out = save_decrypted(contents, tmp_path / "orders.json")
    assert json.loads(out.read_text())["documents"] == DOCS
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["orders.json"]
    with pytest.raises(ValidationError, match="Cannot write"):
        save_decrypted(contents, tmp_path / "missing-dir" / "x.json")
    assert not (tmp_path / "missing-dir").exists()


def test_parse_key_accepts_both_forms_with_whitespace() -> None:
    assert parse_key("  " + base64.b64encode(KEY).decode() + "\n") == KEY
    assert parse_key(KEY.hex().upper()) == KEY
    assert parse_key(KEY) == KEY
