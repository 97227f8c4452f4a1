"""What the workspace asks of a product's nodes: who this session is, the registered certificates (list,
generate on the server or here, register, edit, delete, purge, what expires soon), the databases, and the
CPU credits a burstable instance spends generating a certificate (whose refusal is worded with the budget)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from ..certs.bundle import CertBundle
from ..errors import CpuCreditsExhausted, NotFound, RavensecError, UsageError
from ..fsutil import create_private, safe_file_name
from ..http.instance import Permissions
from ..models import CertificateDefinition, CpuCredits, Product, SecurityClearance
from ..models.credits import GenerationCost, burstable_type, generation_cost
from .session import DIRECT_PRODUCT_ID, WorkspaceSession


class CertificateOperations(WorkspaceSession):
    """The node calls of :class:`~ravensec.core.workspace.Workspace`."""

    async def whoami(self, product_id: str) -> CertificateDefinition | None:
        return await (await self._instance(product_id)).whoami()

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]:
        return await (await self._instance(product_id)).certificates()

    async def certificate(self, product_id: str, thumbprint: str) -> CertificateDefinition | None:
        """One registration by thumbprint, or None when the server does not list it."""
        return await (await self._instance(product_id)).certificate(thumbprint)

    async def generate_certificate(
        self,
        product_id: str,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
        not_after: datetime | None = None,
    ) -> bytes:
        self._write("Generating a certificate")
        client = await self._instance(product_id)
        try:
            return await client.generate(name, clearance, permissions, password=password, not_after=not_after)
        except CpuCreditsExhausted as e:
            raise await self._with_budget(product_id, e) from None

    # ------------------------------------------------------------------------------------------ CPU credits

    async def cpu_credits(self, product_id: str) -> CpuCredits | None:
        """The CPU-credit budget of the node serving ``product_id`` (``GET /debug/cpu-credits``, CPU seconds);
        None for a reserved instance, or a server without credits configured."""
        product = self._products.get(product_id) or await self.get_product(product_id)
        if product.id != DIRECT_PRODUCT_ID and burstable_type(product.tier, product.instance_type) is None:
            return None  # a reserved instance: no request needed
        credits = await (await self._instance(product_id)).cpu_credits()
        return credits if credits.used else None

    async def generation_cost(self, product_id: str) -> GenerationCost | None:
        """What generating a certificate on the server costs this product (None: not burstable, no cost)."""
        product = self._products.get(product_id) or await self.get_product(product_id)
        kind = burstable_type(product.tier, product.instance_type)
        return generation_cost(kind) if kind is not None else None

    async def _with_budget(self, product_id: str, err: CpuCreditsExhausted) -> CpuCreditsExhausted:
        """``err`` with the budget in its words, when the budget can be read (the route is not refused)."""
        try:
            budget = await self.cpu_credits(product_id)
        except RavensecError:
            return err
        if budget is None:
            return err
        recover = budget.minutes_to_recover()
        wait = f" Idle, it is back in about {recover:.0f} minutes." if recover >= 1 else ""
        enriched = CpuCreditsExhausted(
            f"{err.message} Balance: {budget.summary()}.{wait}", budget=budget, hint=err.hint, status=err.status,
            server_type=err.server_type, server_message=err.server_message, url=err.url,
        )
        return enriched

    # ------------------------------------------------------------------------------------------ registrations

    async def register_certificate(
        self,
        product_id: str,
        name: str,
        certificate: bytes | CertBundle,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
    ) -> str:
        self._write("Registering a certificate")
        # Imported here, as below: cryptography loads on the first call that reads a certificate.
        from ..certs.identity import thumbprint
        from ..certs.load import load_certificates_any

        if isinstance(certificate, CertBundle):
            tp = thumbprint(certificate.certificate)
        else:
            tp = thumbprint(load_certificates_any(certificate, password)[0])
        client = await self._instance(product_id)
        await client.register(name, certificate, clearance, permissions, password=password)
        return tp

    async def generate_local_and_register(
        self,
        product_id: str,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        key_type: str = "ec-p256",
        dest_dir: Path | None = None,
        password: str | None = None,
    ) -> tuple[str, list[Path]]:
        """Make the key here (no server CPU credits, the key never leaves), register only the certificate."""
        self._write("Registering a certificate")
        from ..certs.generate import make_client_certificate
        from ..certs.identity import thumbprint
        from ..certs.packages import export_pfx
        from ..config import data_dir  # reads TOML: not on the facade's import path either

        if key_type not in ("rsa2048", "rsa4096", "ec-p256"):
            raise UsageError(f"unknown key type {key_type!r}; use rsa2048, rsa4096 or ec-p256")
        bundle = make_client_certificate(name, key_type=key_type)  # type: ignore[arg-type]
        target = dest_dir or data_dir() / "certificates" / safe_file_name(product_id)
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        stem = safe_file_name(name)
        contents = {
            ".pem": bundle.cert_pem() + bundle.key_pem(password),
            ".crt": bundle.cert_pem(),
            ".key": bundle.key_pem(password),
            ".pfx": export_pfx(bundle, password),
        }
        # Exclusive creates: never overwrite (or, on failure, delete) someone's earlier key. Written before
        # registering: a registered certificate whose key was lost would be useless.
        files: list[Path] = []
        try:
            for ext, data in contents.items():
                files.append(create_private(target / f"{stem}{ext}", data))
            await (await self._instance(product_id)).register(name, bundle, clearance, permissions)
        except BaseException as e:
            for f in files:  # only the files this call created
                f.unlink(missing_ok=True)
            if isinstance(e, FileExistsError):
                raise UsageError(
                    f"{e.filename} already exists; key material is never overwritten.",
                    hint="Choose another name or destination folder.",
                ) from None
            raise
        return thumbprint(bundle.certificate), files

    async def edit_certificate(
        self,
        product_id: str,
        thumbprint: str,
        *,
        name: str | None = None,
        clearance: SecurityClearance | str | None = None,
        permissions: Permissions | None = None,
        disabled: bool | None = None,
    ) -> None:
        self._write("Editing a certificate")
        client = await self._instance(product_id)
        current = await client.certificate(thumbprint)
        if current is None:
            raise NotFound(f"No certificate with thumbprint {thumbprint} on product {product_id}.")
        await client.edit(
            thumbprint,
            name if name is not None else current.name,
            clearance if clearance is not None else current.security_clearance,
            permissions if permissions is not None else current.permissions,
            disabled=disabled if disabled is not None else current.disabled,
        )

    async def delete_certificate(self, product_id: str, thumbprint: str) -> None:
        self._write("Deleting a certificate")
        await (await self._instance(product_id)).delete(thumbprint)

    async def purge_expired(self, product_id: str) -> None:
        self._write("Purging expired certificates")
        await (await self._instance(product_id)).purge_expired()

    async def expiring(self, within_days: int = 60) -> list[tuple[Product, CertificateDefinition]]:
        """Certificates of every product expiring within ``within_days`` (or expired), soonest first.

        "Now" is ``self.now()``: the real UTC clock unless the workspace was opened with another. Products
        that cannot be read are skipped; why is kept in ``self.skipped``.
        """
        products = await self.list_products()
        limit = self.now() + timedelta(days=within_days)
        results = await asyncio.gather(
            *(self.list_certificates(p.id) for p in products if p.nodes), return_exceptions=True
        )
        self.skipped = {}
        out: list[tuple[Product, CertificateDefinition]] = []
        for product, res in zip([p for p in products if p.nodes], results, strict=True):
            if isinstance(res, RavensecError):
                self.skipped[product.id] = str(res)
                continue
            if isinstance(res, BaseException):
                raise res
            out.extend((product, c) for c in res if c.not_after <= limit)
        out.sort(key=lambda pc: pc[1].not_after)
        return out

    async def databases(self, product_id: str) -> list[str]:
        return await (await self._instance(product_id)).database_names()
