"""What the workspace asks of the Cloud API alone (a direct profile has none, and is told so): the product's
certificate package, its allow-list (with this machine's address, to tell whether a change locks you out),
regenerating its initial certificate, and its backups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..http.echo import my_ip
from ..models import Backup, IpRule
from .session import WorkspaceSession


class CloudOperations(WorkspaceSession):
    """The Cloud API calls of :class:`~ravensec.core.workspace.Workspace`."""

    async def download_certificate_package(self, product_id: str, dest_dir: Path) -> list[Path]:
        # Imported here: zipfile stays off the facade's import path (tests/core/test_import_cost.py).
        from ..certs.package_zip import extract_package

        data = await self._cloud("download the product's certificate package").certificate_package(product_id)
        return extract_package(data, dest_dir)

    # ------------------------------------------------------------------------------------------ IP rules

    async def get_ip_rules(self, product_id: str) -> list[IpRule]:
        return await self._cloud("read allowed IPs").allowed_ips(product_id)

    async def my_address(self) -> str | None:
        """This machine's address as the product sees it: loopback for a mock (it listens there; no public
        service is asked), the public address for anything else; None when it cannot be found."""
        if self.profile.kind == "mock":
            return "127.0.0.1"
        return await my_ip()

    async def set_ip_rules(self, product_id: str, rules: Sequence[IpRule]) -> list[IpRule]:
        self._write("Changing allowed IPs")
        return await self._cloud("change allowed IPs").set_allowed_ips(product_id, list(rules))

    # ------------------------------------------------------------------------------------------ certificate, backups

    async def regenerate_certificate(self, product_id: str) -> str:
        self._write("Regenerating the product's certificate")
        return await self._cloud("regenerate the certificate").regenerate_certificate(product_id)

    async def list_backups(self, product_id: str) -> list[Backup]:
        return await self._cloud("list backups").backups(product_id)

    def known_backup_key(self, backup: Backup) -> str | None:
        """The key a running mock's connection.json hands out for ``backup`` (so the demo's backups can be
        verified); None for any other target: a real account's backup keys are shown only in its portal."""
        if self._connection is None:
            return None
        return self._connection.backup_key_for(backup.product_id, backup.database)

    async def fetch_backup(self, product_id: str, database: str, file_name: str) -> bytes:
        return await self._cloud("download backups").backup_file(product_id, database, file_name)
