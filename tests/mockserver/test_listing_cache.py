"""The certificate listing's response cache: every change (register, edit, disable, delete, purge, a reset,
a change made straight in the state) shows in the very next listing, on any node; paging cuts correctly."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ravensec.core.certs.generate import generate_key, make_client_certificate
from ravensec.core.models import SecurityClearance
from ravensec.mock import MockCloud
from ravensec.mock.node.certificates import entry_for
from ravensec.mock.node.listing_cache import BodyCache
from tests.mockserver.helpers import DB, PRODUCT_ID, node_url, session, who

URL = "/admin/certificates"


def _listing(cloud: MockCloud, pem_dir: Path, tag: str = "A", query: str = "") -> dict[str, dict[str, object]]:
    r = session(cloud, who("cluster-admin", pem_dir)).get(node_url(cloud, tag) + URL + query)
    assert r.status_code == 200, r.text
    return {str(d["Thumbprint"]): d for d in r.json()["Results"]}


def _register(cloud: MockCloud, pem_dir: Path, name: str, seed: int) -> str:
    now = datetime.now(UTC)
    b = make_client_certificate(name, key_type="ec-p256", key=generate_key("ec-p256", seed=seed),
                                not_before=now - timedelta(days=1), not_after=now + timedelta(days=30))
    body = {"Name": name, "Certificate": base64.b64encode(b.cert_der()).decode(),
            "SecurityClearance": "ValidUser", "Permissions": {DB: "Read"}}
    r = session(cloud, who("cluster-admin", pem_dir)).put(node_url(cloud) + URL, json=body)
    assert r.status_code == 201, r.text
    return b.cert_der().hex()  # only to be distinct; the thumbprint comes from the listing


def test_register_edit_disable_delete_show_at_once_on_every_node(cloud: MockCloud, pem_dir: Path) -> None:
    before = _listing(cloud, pem_dir)
    _listing(cloud, pem_dir, "B")  # both nodes have the old listing cached
    _register(cloud, pem_dir, "cached-1", 9001)
    after = _listing(cloud, pem_dir, "B")
    [tp] = [t for t in after if t not in before]
    assert after[tp]["Name"] == "cached-1"
    admin = session(cloud, who("cluster-admin", pem_dir))
    edit = {"Thumbprint": tp, "Name": "renamed", "SecurityClearance": "ValidUser", "Permissions": {DB: "ReadWrite"}}
    assert admin.post(node_url(cloud) + URL + "/edit", json=edit).status_code == 201
    now = _listing(cloud, pem_dir, "A")[tp]
    assert (now["Name"], now["Permissions"]) == ("renamed", {DB: "ReadWrite"})
    assert admin.post(node_url(cloud) + URL + "/edit", json={**edit, "Disabled": True}).status_code == 201
    assert _listing(cloud, pem_dir, "C")[tp]["Disabled"] is True
    assert admin.delete(node_url(cloud, "B") + URL + f"?thumbprint={tp}").status_code == 204
    assert tp not in _listing(cloud, pem_dir, "A")


def test_a_change_made_straight_in_the_state_and_a_reset_show_too(cloud: MockCloud, pem_dir: Path) -> None:
    first = _listing(cloud, pem_dir)
    certs = cloud.state.products[PRODUCT_ID].cluster.certificates
    tp, entry = next((t, e) for t, e in certs.items() if e.name == "user-rw")
    with cloud.state.lock:
        certs[tp] = replace(entry, name="from-a-test")
    assert _listing(cloud, pem_dir)[tp]["Name"] == "from-a-test"
    b = make_client_certificate("direct", key_type="ec-p256", key=generate_key("ec-p256", seed=9002))
    with cloud.state.lock:  # replacing the whole mapping with a plain dict keeps it versioned
        cloud.state.products[PRODUCT_ID].cluster.certificates = {
            **certs, "X": entry_for(b.certificate, "direct", SecurityClearance.VALID_USER, {})}
    assert "direct" in {d["Name"] for d in _listing(cloud, pem_dir).values()}
    cloud.reset()
    assert _listing(cloud, pem_dir) == first


def test_pages_cut_the_same_list_the_whole_listing_has(cloud: MockCloud, pem_dir: Path) -> None:
    for i in range(7):
        _register(cloud, pem_dir, f"page-{i}", 9100 + i)
    whole = list(_listing(cloud, pem_dir))
    pages = [list(_listing(cloud, pem_dir, query=f"?start={s}&pageSize=4")) for s in range(0, len(whole), 4)]
    assert [tp for page in pages for tp in page] == whole
    assert list(_listing(cloud, pem_dir, query=f"?start={len(whole)}&pageSize=4")) == []
    # AdminCertificatesHandler.GetAllRegisteredCertificates compares names exactly (`name != def.Name`).
    named = _listing(cloud, pem_dir, query="?name=page-3")
    assert [d["Name"] for d in named.values()] == ["page-3"]
    assert _listing(cloud, pem_dir, query="?name=PAGE-3") == {}
    server = _listing(cloud, pem_dir, query="?name=Server%20Certificate&pageSize=1")
    assert [d["Name"] for d in server.values()] == ["Server Certificate"]


def test_the_body_cache_is_bounded_in_bytes() -> None:
    cache = BodyCache(max_bytes=1000)
    for i in range(50):
        cache.put(i, b"x" * 100)
    assert cache.size <= 1000 and len(cache) == 10
    assert cache.get(0) is None and cache.get(49) == b"x" * 100
    cache.put("huge", b"x" * 600)  # more than a quarter of the bound: never kept
    assert cache.get("huge") is None
