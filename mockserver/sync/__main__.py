"""``python -m ravensec.mock.sync --wheel ravendb_embedded-X.Y.Z-py3-none-any.whl [--out DIR]``: reads
Raven.Server.dll and Raven.Client.dll out of the wheel (a zip) and writes the mock's ``routes.tsv``,
``messages.tsv`` and ``ravendb_build.json`` (by default beside ``ravensec.mock``'s own modules)."""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from collections import Counter
from pathlib import Path

from ravensec.mock.sync.assembly import read_server, read_version
from ravensec.mock.sync.tables import (
    MESSAGE_KEYWORDS,
    MIN_MESSAGE_WORDS,
    route_rows,
    select_messages,
    write_build,
    write_tsv,
)

SERVER_DLL = "Raven.Server.dll"
CLIENT_DLL = "Raven.Client.dll"


def _member(wheel: zipfile.ZipFile, name: str) -> tuple[str, bytes]:
    found = [n for n in wheel.namelist() if n.rsplit("/", 1)[-1] == name]
    if len(found) != 1:
        raise SystemExit(f"expected one {name} in the wheel, found {found}")
    return found[0], wheel.read(found[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ravensec.mock.sync", description=__doc__)
    ap.add_argument("--wheel", type=Path, required=True, help="the ravendb-embedded wheel (pip download)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
    args = ap.parse_args(argv)
    wheel_bytes = args.wheel.read_bytes()
    wheel_sha = hashlib.sha256(wheel_bytes).hexdigest()
    with zipfile.ZipFile(args.wheel) as wheel:
        server_name, server = _member(wheel, SERVER_DLL)
        _client_name, client = _member(wheel, CLIENT_DLL)
    version = read_version(client)
    asm = read_server(server)
    # Source files stay empty for now: Raven.Server.dll embeds a portable PDB (debug directory entry 17)
    # whose Document and MethodDebugInformation tables would name them; not read yet.
    sources: dict[str, str] = {}
    full = version["FullVersion"]
    rows = route_rows(asm.routes, asm.property_names, f"{full} sha256:{wheel_sha}", sources)
    messages = select_messages(asm.user_strings)
    args.out.mkdir(parents=True, exist_ok=True)
    write_tsv(args.out / "routes.tsv", rows)
    write_tsv(args.out / "messages.tsv", [["id", "keyword", "text"], *map(list, messages)])
    per_status = Counter(row[2] for row in rows[1:])
    write_build(
        args.out / "ravendb_build.json",
        {
            "full_version": full,
            "product_version": version["Version"],
            "build_version": int(version["Build"]),
            "commit_hash": version["CommitHash"],
            "release_date": version.get("ReleaseDateString", ""),
            "wheel": args.wheel.name,
            "wheel_sha256": wheel_sha,
            "server_dll": server_name,
            "server_dll_sha256": hashlib.sha256(server).hexdigest(),
            "routes": len(rows) - 1,
            "routes_per_authorization_status": dict(sorted(per_status.items())),
            "messages": len(messages),
            "message_filter": {"keywords": list(MESSAGE_KEYWORDS), "min_words": MIN_MESSAGE_WORDS},
            "generated_by": "python -m ravensec.mock.sync",
        },
    )
    print(
        f"RavenDB {full} (build {version['Build']}): {len(rows) - 1} routes "
        f"({', '.join(f'{k} {v}' for k, v in sorted(per_status.items()))}), {len(messages)} messages, "
        f"{sum(1 for r in rows[1:] if r[-2])} with a source file -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
