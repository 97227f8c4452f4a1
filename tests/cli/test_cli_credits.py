"""CPU credits in the real ``ravensec`` process against the mock over mTLS: `products show`, the advice and
the estimate of `certs generate --dry-run`, and the refusal for exhausted credits in words, exit 5."""

from __future__ import annotations

from pathlib import Path

from tests.cli.mockcli import Cli, active_product


def test_products_show_has_the_cpu_credits(cli: Cli) -> None:
    prod = active_product(cli.cloud)  # Staging, a Dev10
    prod.set_cpu_credits(remaining=8640)
    r = cli("products", "show", prod.id, "-o", "json")
    assert r.rc == 0, r.err
    credits = r.json()["cpuCredits"]
    assert credits["state"] == "ok" and credits["remainingCredits"] == 144 and credits["maxCredits"] == 288
    # The demo runs on the real clock: the balance earns 0.2 CPU seconds a second meanwhile.
    assert 8640 <= credits["remainingCpuSeconds"] < 8700 and credits["failoverThresholdCpuSeconds"] == 72
    r = cli("products", "show", prod.id)
    assert r.rc == 0, r.err
    assert "CPU credits    144.0 of 288 credits (50%)" in r.out


def test_generate_dry_run_shows_the_cost_and_the_advice(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    r = cli("certs", "generate", "-p", prod.id, "--name", "svc", "--clearance", "user", "--db", "inventory=read", "--out", str(tmp_path),
            "--dry-run", "-o", "json")
    assert r.rc == 0, r.err
    assert r.json()["cpuCost"] == {"cpuSeconds": 6.0, "credits": 0.1, "seconds": 6.0, "throttledSeconds": 30.0,
                                   "remainingCredits": 288.0}
    assert "about 6 CPU seconds (0.10 credits)" in r.err and "never leaves" in r.err
    assert "ravensec certs generate-local" in r.err
    assert prod.cpu_credits()["RemainingCpuCredits"] == 17280  # full (capped), a dry run spends nothing


def test_exhausted_credits_are_explained_with_the_budget(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    prod.set_cpu_credits(remaining=0)
    cli.cloud.faults.add(route="/admin/certificates", method="POST", kind="cpu-credits")
    out = tmp_path / "out"
    r = cli("certs", "generate", "-p", prod.id, "--name", "svc", "--clearance", "user", "--db", "inventory=read",
            "--out", str(out))
    assert r.rc == 5, r.err
    assert "used up its CPU credits" in r.err and "Balance: 0.0 of 288 credits (0%): exhausted" in r.err
    assert "Traceback" not in r.err and not out.exists()
