"""CPU credits in the mock over real TLS: /debug/cpu-credits, spending on server-side generation, accrual on
the world's clock, the 503 of flagged database routes (after authorization, with hysteresis), the alert in
the notification list, the Cluster Admin lever, the fixture handle and the fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from ravensec.core.errors import ConfigError, UsageError
from ravensec.mock import MockCloud
from ravensec.mock.cpu_credits import REJECTED_MESSAGE
from ravensec.mock.worlds import parse_world

NOW = datetime(2030, 1, 1, tzinfo=UTC)
WORLD = """
name = "credits"
seed = 7
now = 2030-01-01T00:00:00Z
[account]
domain = "credits"
[[products]]
display_name = "Lab"
tier = "Development"
subdomain = "lab"
instance_type = "Dev10"
allowed_ips = ["127.0.0.1/32"]
[products.cpu_credits]
remaining = 600
[[products.databases]]
name = "Orders"
[[products]]
display_name = "Big"
tier = "Production"
subdomain = "big"
instance_type = "P10"
allowed_ips = ["127.0.0.1/32"]
"""
KEYS = {"Used", "BaseCredits", "MaxCredits", "FailoverThreshold", "BackgroundTasksThreshold",
        "RemainingCpuCredits", "BackgroundTasksThresholdReleaseValue", "FailoverThresholdReleaseValue",
        "CreditsGainedPerSecond", "CurrentConsumption", "MachineCpuUsage", "History", "LastSyncTime"}


@pytest.fixture(scope="module")
def world_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("world") / "credits.toml"
    path.write_text(WORLD)
    return path


@pytest.fixture(scope="module")
def credits_cloud(world_file: Path) -> Iterator[MockCloud]:
    with MockCloud(world_file, material_cache=False) as cloud:
        yield cloud


@pytest.fixture
def cloud(credits_cloud: MockCloud) -> MockCloud:
    credits_cloud.reset()
    return credits_cloud


def _session(cloud: MockCloud, pem: Path | None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(cloud.ca_path)
    if pem is not None:
        s.cert = str(pem)
    return s


def _lab(cloud: MockCloud, admin: bool = False) -> tuple[requests.Session, str]:
    lab = cloud.product("Lab")
    return _session(cloud, lab.cluster_admin_pem if admin else lab.operator_pem), lab.node_urls["A"]


def _generate(s: requests.Session, url: str, name: str = "svc") -> requests.Response:
    return s.post(url + "/admin/certificates", json={"Name": name, "SecurityClearance": "ValidUser",
                                                     "Permissions": {"Orders": "ReadWrite"}})


def _put_doc(s: requests.Session, url: str) -> requests.Response:
    return s.put(url + "/databases/Orders/docs", params={"id": "orders/1"},
                 json={"@metadata": {"@collection": "Orders"}, "Total": 1})


def test_debug_cpu_credits_has_the_servers_shape_in_cpu_seconds(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    body = s.get(url + "/debug/cpu-credits").json()
    assert set(body) == KEYS
    # Dev10: one vCPU at a 20% baseline earns 720 CPU seconds an hour and keeps a day of them.
    assert body["Used"] is True and body["BaseCredits"] == 720 and body["MaxCredits"] == 17280
    assert body["BackgroundTasksThreshold"] == 180 and body["FailoverThreshold"] == 72
    assert body["FailoverThresholdReleaseValue"] == 90 and body["CreditsGainedPerSecond"] == 0.2
    assert body["RemainingCpuCredits"] == 600 and len(body["History"]) == 60
    big = cloud.product("Big")
    reserved = _session(cloud, big.operator_pem).get(big.node_urls["B"] + "/debug/cpu-credits").json()
    assert reserved["Used"] is False and reserved["MaxCredits"] == 0
    assert reserved["LastSyncTime"].startswith("0001-01-01")


def test_server_side_generation_spends_credits(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    assert _generate(s, url).status_code == 200
    body = s.get(url + "/debug/cpu-credits").json()
    assert body["RemainingCpuCredits"] == 594  # RSA-4096 on one core: 6 CPU seconds
    assert body["History"][-1] == pytest.approx(0.1)  # 6 s in this minute: a tenth of a core on average


def test_credits_accrue_on_the_worlds_clock_up_to_the_max(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    cloud.state.clock = lambda: NOW + timedelta(hours=1)
    assert s.get(url + "/debug/cpu-credits").json()["RemainingCpuCredits"] == 1320
    cloud.state.clock = lambda: NOW + timedelta(days=3)
    assert s.get(url + "/debug/cpu-credits").json()["RemainingCpuCredits"] == 17280


def test_exhausted_credits_refuse_flagged_database_routes_only(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    assert _put_doc(s, url).status_code == 201
    cloud.product("Lab").set_cpu_credits(remaining=0)
    r = _put_doc(s, url)
    assert r.status_code == 503 and r.json() == {"Type": "Error", "Message": REJECTED_MESSAGE}
    # Not flagged: reads go on. Flagged but without a database: the router does not check (RequestRouter).
    assert s.get(url + "/databases/Orders/docs", params={"id": "orders/1"}).status_code == 200
    assert _generate(s, url).status_code == 200
    # Authorization comes first: a caller without a certificate is refused as always.
    assert _put_doc(_session(cloud, None), url).status_code == 403


def test_the_failover_flag_lowers_only_above_its_release_value(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    lab = cloud.product("Lab")
    lab.set_cpu_credits(remaining=50)
    assert _put_doc(s, url).status_code == 503
    lab.set_cpu_credits(remaining=80)  # above 72, below 1.25 x 72 = 90: still refusing
    assert _put_doc(s, url).status_code == 503
    lab.set_cpu_credits(remaining=91)
    assert _put_doc(s, url).status_code == 201


def test_alerts_appear_in_the_servers_notifications(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    assert s.get(url + "/admin/server/notifications").json()["Results"] == []
    cloud.product("Lab").set_cpu_credits(remaining=150)  # below 180: background tasks throttled
    (alert,) = s.get(url + "/admin/server/notifications").json()["Results"]
    assert alert["AlertType"] == "Throttling_CpuCreditsBalance" and alert["Title"] == "CPU credits balance exhausted"
    assert "throttle internal processes" in alert["Message"]
    cloud.product("Lab").set_cpu_credits(remaining=10)
    (alert,) = s.get(url + "/admin/server/notifications").json()["Results"]
    assert "rejecting requests to databases" in alert["Message"]


def test_only_a_cluster_admin_sets_the_balance(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    assert s.post(url + "/admin/cpu-credits", json={"RemainingCredits": 5}).status_code == 403
    admin, _ = _lab(cloud, admin=True)
    assert admin.post(url + "/admin/cpu-credits", json={"RemainingCredits": 5}).status_code == 200
    assert admin.post(url + "/admin/cpu-credits/sync").status_code == 200
    assert s.get(url + "/debug/cpu-credits").json()["RemainingCpuCredits"] == 5
    assert _put_doc(s, url).status_code == 503


def test_handle_refuses_a_reserved_product(cloud: MockCloud) -> None:
    with pytest.raises(UsageError, match="reserved"):
        cloud.product("Big").set_cpu_credits(remaining=0)
    assert cloud.product("Lab").cpu_credits()["RemainingCpuCredits"] == 600


def test_the_cpu_credits_fault_answers_the_servers_503_anywhere(cloud: MockCloud) -> None:
    s, url = _lab(cloud)
    cloud.faults.add(route="/admin/certificates", method="POST", kind="cpu-credits")
    r = _generate(s, url)
    assert r.status_code == 503 and r.json()["Message"] == REJECTED_MESSAGE
    assert _generate(s, url).status_code == 200


def test_time_scale_makes_generation_take_real_time(world_file: Path) -> None:
    scaled = world_file.with_name("scaled.toml")
    scaled.write_text(WORLD.replace('[account]', '[cpu_credits]\ntime_scale = 0.05\n[account]'))
    with MockCloud(scaled, material_cache=False) as cloud:
        s, url = _lab(cloud)
        t0 = time.monotonic()
        assert _generate(s, url).status_code == 200
        assert time.monotonic() - t0 >= 0.3  # 6 simulated seconds x 0.05


@pytest.mark.parametrize(("snippet", "message"), [
    ('instance_type = "Dev10"\nallowed_ips = ["127.0.0.1/32"]\n[products.cpu_credits]\nremaining = -1',
     "must be 0 or more"),
    ('instance_type = "Dev10"\nallowed_ips = ["127.0.0.1/32"]\n[products.cpu_credits]\nbalance = 1',
     "unknown key"),
])
def test_world_errors_name_the_key(snippet: str, message: str) -> None:
    text = WORLD.replace('instance_type = "Dev10"\nallowed_ips = ["127.0.0.1/32"]\n[products.cpu_credits]\n'
                         'remaining = 600', snippet)
    with pytest.raises(ConfigError, match=message):
        parse_world(text, name="x", source="x.toml")


def test_a_reserved_product_cannot_have_credits_in_the_world() -> None:
    text = WORLD + '[products.cpu_credits]\nremaining = 1\n'
    with pytest.raises(ConfigError, match=r"products\[1\]\.cpu_credits: a P10 instance is reserved"):
        parse_world(text, name="x", source="x.toml")
