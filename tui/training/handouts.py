"""What a scenario hands the trainee, made concrete for one running mock: files written under
``data_dir()/training/<scenario>/`` (client certificates with their key: 0600) and values to copy."""

from __future__ import annotations

import base64
from pathlib import Path

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.config import data_dir
from ravensec.core.fsutil import atomic_write_private
from ravensec.mock import MockCloud
from ravensec.mock.training.scenario import Scenario, wrong_backup_key


def handout_dir(name: str) -> Path:
    return data_dir() / "training" / name


def materialize(scenario: Scenario, cloud: MockCloud) -> list[tuple[str, str]]:
    """(label, value) lines for the task panel; writes the certificate files they name."""
    lines: list[tuple[str, str]] = []
    for h in scenario.handouts:
        if h.kind == "client_certificate":
            bundle: CertBundle = scenario.handout_certificate(h.name)
            path = handout_dir(scenario.name) / f"{h.name}.pem"
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write_private(path, bundle.combined_pem())
            lines.append((h.label, str(path)))
        elif h.kind == "backup_key":
            lines.append((h.label, base64.b64encode(cloud.state.account.backup_key).decode()))
        elif h.kind == "wrong_backup_key":
            lines.append((h.label, wrong_backup_key(cloud.state.account.backup_key)))
        elif h.kind == "api_access":
            product = cloud.product(scenario.product) if scenario.product else next(iter(cloud.products.values()))
            lines += [
                (f"{h.label}: portal", cloud.portal_url),
                ("API key (X-Api-Key)", cloud.api_key),
                ("CA certificate", str(cloud.ca_path)),
                ("Operator certificate", str(product.operator_pem)),
                ("product id", product.id),
                ("node A", product.node_urls.get("A", "")),
            ]
    return lines
