"""``MockFiles``: the files a running mock hands its clients. The CA certificate (``ca.pem``), each product's
operator and cluster-admin certificates with their keys (``products/<id>/operator.pem`` and
``cluster_admin.pem``, private), and ``connection.json`` (what ``MockCloud.connection_info()`` answers), the
last only in a state directory the caller chose. Without one the files go to a temporary directory, removed
when the mock stops.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ravensec.core.fsutil import atomic_write, atomic_write_private
from ravensec.mock.state import ProductState


class MockFiles:
    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir
        self._dir: Path | None = None
        self._own_dir = False
        self.written: set[str] = set()  # products whose PEM files exist
        self._connection_json = b""

    @property
    def directory(self) -> Path:
        """The state directory, or a temporary one made on first use (again after ``remove()``)."""
        if self._dir is None:
            if self.state_dir is not None:
                self._dir = self.state_dir
                self._dir.mkdir(parents=True, exist_ok=True)
            else:
                self._dir = Path(tempfile.mkdtemp(prefix="ravensec-mock-"))
                self._own_dir = True
        return self._dir

    @property
    def ca_path(self) -> Path:
        return self.directory / "ca.pem"

    def pem_paths(self, product_id: str) -> tuple[Path, Path]:
        """A product's operator and cluster-admin PEM files."""
        d = self.directory / "products" / product_id
        return d / "operator.pem", d / "cluster_admin.pem"

    def write_ca(self, ca_pem: bytes) -> None:
        path = self.ca_path  # first: it makes the directory, and so decides whether it is a temporary one
        # A temporary directory goes with the mock: its files need not survive a crash (no fsync).
        atomic_write(path, ca_pem, durable=not self._own_dir)

    def write_products(self, products: list[ProductState]) -> None:
        """The PEM files of each product that has none yet."""
        durable = not self._own_dir
        for p in products:
            if p.id in self.written:
                continue
            operator_pem, cluster_admin_pem = self.pem_paths(p.id)
            operator_pem.parent.mkdir(parents=True, exist_ok=True)
            if not operator_pem.exists():
                atomic_write_private(operator_pem, p.operator_cert.combined_pem(), durable=durable)
            if not cluster_admin_pem.exists():
                atomic_write_private(cluster_admin_pem, p.cluster_admin_cert.combined_pem(), durable=durable)
            self.written.add(p.id)

    def write_connection(self, info: dict[str, Any]) -> None:
        """``connection.json`` in the state directory, rewritten only when its content changed."""
        assert self.state_dir is not None, "connection.json is written in a state directory only"
        data = json.dumps(info, indent=2).encode()
        if data != self._connection_json:
            atomic_write_private(self.state_dir / "connection.json", data)
            self._connection_json = data

    def remove(self) -> None:
        """Remove the directory if it is a temporary one; a later use makes a new one."""
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
