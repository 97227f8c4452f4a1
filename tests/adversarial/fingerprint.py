"""A fingerprint of the mock's whole state, so that a test can prove a refused request changed nothing."""

from __future__ import annotations

import json
from typing import Any

from ravensec.mock.state import CloudState


def state_fingerprint(state: CloudState) -> str:
    """Everything a request could change, as canonical JSON (keys and secrets reduced to what identifies
    them). Two equal fingerprints mean the world is the same."""
    with state.lock:
        out: dict[str, Any] = {"api_keys": sorted(state.account.api_keys), "products": {}}
        for pid, p in sorted(state.products.items()):
            c = p.cluster
            out["products"][pid] = {
                "status": str(p.status),
                "hidden": p.hidden,
                "name": p.display_name,
                "instance": p.instance_type,
                "storage": [p.storage_size, p.storage_type],
                "labels": list(p.labels),
                "nodes": [[n.tag, n.up] for n in p.nodes],
                "ips": [[str(r.network), r.alias] for r in p.allowed_ips],
                "operator": p.operator_cert.cert_der().hex(),
                "backups": [[b.database, b.file_name] for b in p.backups],
                "topology": [c.topology_etag, c.raft_index, c.server_thumbprint],
                "certs": {
                    tp: [
                        e.name,
                        str(e.clearance),
                        sorted((db, str(a)) for db, a in e.permissions.items()),
                        e.disabled,
                        e.not_after.isoformat(),
                        e.der.hex(),
                    ]
                    for tp, e in sorted(c.certificates.items())
                },
                "dbs": {
                    name: [
                        d.etag,
                        d.encrypted,
                        sorted(d.hilo.items()),
                        {
                            k: [doc.collection, doc.body, doc.change_vector]
                            for k, doc in sorted(d.docs.items())
                        },
                    ]
                    for name, d in sorted(c.databases.items())
                },
            }
        return json.dumps(out, sort_keys=True, default=str)
