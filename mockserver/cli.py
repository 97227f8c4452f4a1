"""``ravensec-mock``: serve a mock world, list the shipped worlds, check a world file.

Exit codes: 0 success, 1 failure while serving, 2 bad usage or an invalid world file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from ravensec.core.errors import RavensecError
from ravensec.core.words import plural
from ravensec.mock.runtime import MockCloud
from ravensec.mock.worlds import load_world, world_names


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ravensec-mock", description="A RavenDB Cloud mock on 127.0.0.1 (mTLS).")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser("serve", help="serve a world until interrupted (Ctrl-C)")
    s.add_argument("--world", default="demo", metavar="FILE|NAME", help="world name or TOML file (default: demo)")
    s.add_argument("--state-dir", type=Path, metavar="DIR",
                   help="where to write connection.json, the CA and client certificates (default: a temp dir)")
    s.add_argument("--port-base", type=int, default=0, metavar="N",
                   help="portal on port N, nodes on N+1, N+2, ... (default: free ports)")
    s.add_argument("--cpu-time-scale", type=float, metavar="F",
                   help="wait F real seconds per simulated second of CPU work, e.g. server-side certificate "
                        "generation on a burstable instance (default: the world's [cpu_credits] time_scale)")
    s.add_argument("--stop-on-eof", action="store_true",
                   help="stop when standard input closes: for a program that starts this mock as its child, "
                        "so the mock ends with it even if it is killed")
    sub.add_parser("worlds", help="list the shipped worlds")
    c = sub.add_parser("check-world", help="validate a world file")
    c.add_argument("file", metavar="FILE", help="world name or TOML file")
    return p


def profile_snippet(state_dir: Path, name: str = "mock") -> str:
    """A ready ``ravensec`` profile (config.toml) for a mock served with ``--state-dir``."""
    return f'[profiles.{name}]\nkind = "mock"\nstate_dir = {json.dumps(str(state_dir))}\n'


def _serve(world: str, state_dir: Path | None, port_base: int, time_scale: float | None = None,
           stop_on_eof: bool = False) -> int:
    if not 0 <= port_base <= 65000:
        print("ravensec-mock: --port-base must be between 0 and 65000", file=sys.stderr)
        return 2
    if time_scale is not None and not 0 <= time_scale <= 10:
        print("ravensec-mock: --cpu-time-scale must be between 0 and 10", file=sys.stderr)
        return 2
    own_dir = state_dir is None
    directory = Path(tempfile.mkdtemp(prefix="ravensec-mock-")) if state_dir is None else state_dir.resolve()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    if stop_on_eof:
        threading.Thread(target=_stop_at_eof, args=(stop,), name="stop-on-eof", daemon=True).start()
    try:
        cloud = MockCloud(world, port_base=port_base, state_dir=directory)
        if time_scale is not None:
            cloud.state.cpu_time_scale = time_scale
        with cloud:
            info = cloud.connection_info()
            print(f"RavenDB Cloud mock serving world {world!r}")
            print(f"  portal   {info['portal_url']}   (Cloud API: {info['api_url']})")
            print(f"  API key  {info['api_key']}")
            print(f"  CA       {info['ca_path']}")
            # Printed so the demo's backups can be verified: the portal's restore dialog shows this key.
            print(f"  backups  account backup key {info['backup_key']}")
            for pid, p in info["products"].items():
                nodes = ", ".join(f"{t}={u}" for t, u in p["node_urls"].items())
                print(f"  product  {p['name']} ({pid}): {nodes}")
                for db, key in p["database_keys"].items():
                    print(f"           database {db} has its own backup key {key}")
            print(f"  state    {directory / 'connection.json'}")
            print("\nAdd this profile to ravensec's config.toml (or run `ravensec --demo`):\n")
            print(profile_snippet(directory))
            print("Serving; press Ctrl-C to stop.", flush=True)
            while not stop.wait(0.5):
                pass
        print("ravensec-mock: stopped.", flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)


def _stop_at_eof(stop: threading.Event) -> None:
    # The parent holds the other end of the pipe: EOF means it closed it or died, so nobody needs this mock.
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader holds its lock, and the
    # interpreter aborts at exit when it cannot take that lock back.
    with contextlib.suppress(OSError):
        while os.read(0, 1 << 12):
            pass
    stop.set()


def _worlds() -> int:
    for name in world_names():
        spec = load_world(name)
        tiers = ", ".join(f"{p.display_name} ({p.tier.value})" for p in spec.products) or "no products"
        print(f"{name:12} account {spec.domain}: {tiers}")
    return 0


def _check(file: str) -> int:
    spec = load_world(file)
    certs = sum(len(p.certificates) for p in spec.products)
    backups = sum(len(p.backups) for p in spec.products)
    print(f"{spec.source}: OK ({plural(len(spec.products), 'product')}, {plural(certs, 'certificate')}, "
          f"{plural(backups, 'backup')})")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args.world, args.state_dir, args.port_base, args.cpu_time_scale, args.stop_on_eof)
        if args.command == "worlds":
            return _worlds()
        return _check(args.file)
    except RavensecError as e:
        print(f"ravensec-mock: {e}", file=sys.stderr)
        return 2 if e.exit_code == 2 else 1
    except OSError as e:
        print(f"ravensec-mock: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
