"""World files for the benchmarks: ``products`` Development products of one node, each with ``certificates``
ValidUser certificates, one database and a few documents (like the demo's)."""

from __future__ import annotations

from pathlib import Path


def write_world(path: Path, *, products: int = 1, certificates: int = 10, seed: int = 7) -> Path:
    lines = [
        f'name = "bench-{products}x{certificates}"',
        f"seed = {seed}",
        '[account]\ndomain = "bench"\napi_key = "mock-bench-key-0123456789abcdef"',
    ]
    for p in range(products):
        lines += [
            "[[products]]",
            f'display_name = "bench-{p}"\ntier = "Development"\nprovider = "aws"\nregion = "us-east-1"',
            f'subdomain = "bench{p}"\ninstance_type = "Dev10"',
            'allowed_ips = [{ ip = "127.0.0.1/32", alias = "this machine" }]',
        ]
        for c in range(certificates):
            lines += [
                "[[products.certificates]]",
                f'name = "cert-{p}-{c}"\nclearance = "ValidUser"\npermissions = {{ Orders = "Read" }}',
                f"expires_in_days = {30 + c % 300}",
            ]
        lines += ['[[products.databases]]\nname = "Orders"']
        for d in range(3):
            lines += [
                "[[products.databases.documents]]",
                f'"@id" = "orders/{d + 1}-A"\n"@collection" = "Orders"\ntotal = {d * 10}',
            ]
    path.write_text("\n".join(lines) + "\n")
    return path
