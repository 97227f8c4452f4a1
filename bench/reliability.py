"""The reliability run: the adversarial suite's slow part (hypothesis "slow" profile, >= 10,000
generated cases, the large concurrency run, the soak smoke test) and then the soak, written up as
docs/reliability.md with the figures, the date and the machine. The document is generated, never typed.

    python -m bench.reliability                     # slow suite + 2-minute soak with 4 clients
    python -m bench.reliability --soak-seconds 30   # shorter soak
    python -m bench.reliability --skip-suite        # soak only (the suite's last figures are not kept)
    python -m bench.reliability --families-only     # only the test families' section, in the existing doc

The families section lists each module of tests/adversarial/ with what it proves (its docstring's first
paragraph: the description lives with the tests it describes) and its count of tests (pytest's collection,
all and those of the slow run); it needs no run of the suite, so ``--families-only`` refreshes it in seconds.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"


def run_suite() -> dict[str, Any]:
    """``pytest -m slow tests/adversarial`` with hypothesis statistics; counts parsed from its output."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-m",
        "slow",
        "tests/adversarial",
        "--hypothesis-show-statistics",
        "-p",
        "no:randomly",
    ]
    env = {**os.environ, "HYPOTHESIS_PROFILE": "slow"}
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    out = proc.stdout + proc.stderr
    summary = next((ln for ln in reversed(out.splitlines()) if re.search(r"\d+ (passed|failed)", ln)), "")

    def count(word: str) -> int:
        m = re.search(rf"(\d+) {word}", summary)
        return int(m.group(1)) if m else 0

    cases = sum(int(n) for n in re.findall(r"(\d+) passing(?: examples|,)", out))
    failing = sum(int(n) for n in re.findall(r"(\d+) failing(?: examples|,)", out))
    failed_tests = re.findall(r"^FAILED (\S+)", out, flags=re.M)
    return {
        "command": "HYPOTHESIS_PROFILE=slow " + " ".join(["pytest", *cmd[3:]]),
        "returncode": proc.returncode,
        "elapsed": round(elapsed, 1),
        "passed": count("passed"),
        "failed": count("failed"),
        "skipped": count("skipped"),
        "hypothesis_cases": cases,
        "hypothesis_failing_examples": failing,
        "failed_tests": failed_tests,
        "summary": summary.strip("= "),
    }


ADVERSARIAL = ROOT / "tests" / "adversarial"
FAMILIES_TITLE = "## Adversarial test families"


def _collected(*args: str, env: dict[str, str] | None = None) -> dict[str, int]:
    """Tests per module of tests/adversarial that ``pytest --collect-only`` selects (nothing runs)."""
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *args, "tests/adversarial"]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode not in (0, 5):  # 5: nothing selected
        raise RuntimeError(f"collecting tests/adversarial failed:\n{proc.stdout}{proc.stderr}")
    counts: dict[str, int] = {}
    for line in proc.stdout.splitlines():
        if "::" in line:
            module = Path(line.split("::", 1)[0]).name
            counts[module] = counts.get(module, 0) + 1
    return counts


def families() -> list[dict[str, Any]]:
    """Each test module of tests/adversarial: its name, what it proves (its docstring's first paragraph)
    and how many tests it has, all and in the slow run (``-m slow``, where the property tests run 1,500
    examples each)."""
    every = _collected()
    slow = _collected("-m", "slow", env={"HYPOTHESIS_PROFILE": "slow"})
    out = []
    for path in sorted(ADVERSARIAL.glob("test_*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        proves = " ".join(doc.split("\n\n", 1)[0].split())
        out.append({"module": path.name, "proves": proves or "(no docstring)",
                    "tests": every.get(path.name, 0), "slow": slow.get(path.name, 0)})
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a table cell's text: a pipe would end the cell


def render_families(fams: list[dict[str, Any]]) -> list[str]:
    lines = [
        FAMILIES_TITLE,
        "",
        "Each module of `tests/adversarial/`, with what it proves (its docstring) and its tests as pytest collects "
        "them: all (the fast profile of `make test` runs those not marked slow) and those of the slow run.",
        "",
        "| family | what it proves | tests | in the slow run |",
        "|---|---|---:|---:|",
        *(f"| `{f['module']}` | {_cell(f['proves'])} | {f['tests']} | {f['slow']} |" for f in fams),
        f"| **all** | | {sum(f['tests'] for f in fams)} | {sum(f['slow'] for f in fams)} |",
        "",
    ]
    return lines


def with_families(doc: str, fams: list[dict[str, Any]]) -> str:
    """``doc`` with its families section replaced (or put before the slow suite's, in an older doc)."""
    section = "\n".join(render_families(fams))
    start = doc.find(FAMILIES_TITLE + "\n")
    if start >= 0:
        end = doc.find("\n## ", start + len(FAMILIES_TITLE))
        return doc[:start] + section + ("\n" + doc[end + 1 :] if end >= 0 else "")
    at = doc.find("## Slow adversarial suite")
    if at < 0:
        return doc.rstrip("\n") + "\n\n" + section
    return doc[:at] + section + "\n" + doc[at:]


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "",
    }


def render(
    suite: dict[str, Any] | None, soak: dict[str, Any] | None, when: datetime, fams: list[dict[str, Any]]
) -> str:
    from bench.soak import render as render_soak

    m = machine()
    lines = [
        "# Reliability figures",
        "",
        "Generated by `python -m bench.reliability` (`make reliability`); do not edit by hand, run it again.",
        "",
        f"- Date: {when:%Y-%m-%d %H:%M} UTC",
        *(f"- {k.capitalize()}: {v}" for k, v in m.items() if v),
        "",
        *render_families(fams),
        "## Slow adversarial suite",
        "",
    ]
    if suite is None:
        lines += ["Not run this time (`--skip-suite`).", ""]
    else:
        verdict = "all passed" if suite["returncode"] == 0 else f"FAILURES (exit {suite['returncode']})"
        lines += [
            f"Command: `{suite['command']}`",
            "",
            "| figure | value |",
            "|---|---|",
            f"| verdict | {verdict} |",
            f"| tests passed / failed / skipped | {suite['passed']} / {suite['failed']} / {suite['skipped']} |",
            f"| hypothesis cases run (passing examples) | {suite['hypothesis_cases']} |",
            f"| hypothesis failing examples | {suite['hypothesis_failing_examples']} |",
            f"| wall time | {suite['elapsed']} s |",
            "",
        ]
        if suite["failed_tests"]:
            lines += ["Failed:", "", *(f"- `{t}`" for t in suite["failed_tests"]), ""]
    lines += ["## Soak", ""]
    if soak is None:
        lines += ["Not run this time.", ""]
    else:
        r = soak
        lines += [
            f"`python -m bench.soak --seconds {r['seconds']:g} --clients {r['clients']}`: the mock in one process, "
            f"{r['clients']} client processes sending a mixed load (certificate list, register+delete, topology, "
            "document get/put, portal product list and allow-list) over keep-alive mTLS.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| requests | {r['requests']} in {r['elapsed']} s ({r['throughput_rps']} req/s) |",
            f"| errors | {sum(r['errors'].values())} |",
            f"| RSS start / end / max | {r['rss_mib']['start']} / {r['rss_mib']['end']} / {r['rss_mib']['max']} MiB |",
            f"| RSS growth, first to last quarter | {r['rss_mib']['growth_first_to_last_quarter']} MiB |",
            f"| open fds start / end / max | {r['fds']['start']} / {r['fds']['end']} / {r['fds']['max']} |",
            f"| latency p50 / p99, all operations | {r['latency_ms']['all']['p50']} / {r['latency_ms']['all']['p99']} ms |",
            "",
            "| operation | n | p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
            *(f"| {k} | {v['n']} | {v['p50']} | {v['p99']} |" for k, v in r["latency_ms"].items()),
            "",
            "RSS and fds over time:",
            "",
            "| t (s) | RSS MiB | fds |",
            "|---:|---:|---:|",
            *(
                f"| {s['t']:g} | {s['rss_kib'] / 1024:.1f} | {s['fds']:.0f} |"
                for s in r["samples"][:: max(1, len(r["samples"]) // 20)]
            ),
            "",
            "Raw report:",
            "",
            "```",
            render_soak(r),
            "```",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__.split("\n\n")[0])
    ap.add_argument("--soak-seconds", type=float, default=120.0)
    ap.add_argument("--soak-clients", type=int, default=4)
    ap.add_argument("--skip-suite", action="store_true", help="only the soak")
    ap.add_argument("--skip-soak", action="store_true", help="only the slow suite")
    ap.add_argument("--out", type=Path, default=DOC, help=f"where to write (default {DOC.relative_to(ROOT)})")
    ap.add_argument("--families-only", action="store_true",
                    help="only refresh the test families' section of the existing document (runs nothing)")
    args = ap.parse_args(argv)
    if args.families_only:
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(with_families(old, families()), encoding="utf-8")
        print(f"wrote the families of {args.out}")
        return 0
    when = datetime.now(UTC)
    suite = None if args.skip_suite else run_suite()
    if suite is not None:
        print(f"slow suite: {suite['summary']} — {suite['hypothesis_cases']} hypothesis cases", flush=True)
    soak = None
    if not args.skip_soak:
        from bench.soak import run

        soak = run(args.soak_seconds, args.soak_clients)
        print(f"soak: {soak['requests']} requests, {sum(soak['errors'].values())} errors", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(suite, soak, when, families()), encoding="utf-8")
    print(f"wrote {args.out}")
    failed = (suite is not None and suite["returncode"] != 0) or (
        soak is not None and sum(soak["errors"].values())
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
