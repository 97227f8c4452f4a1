"""Where the posture review gets CPU credits from: the source's ``cpu_credits`` (``GET /debug/cpu-credits``).

The review's "burstable product low on credits" finding takes a :data:`CreditsReader`; the CLI and the TUI
both ask this module for it. A source without CPU credits (a fake, an old server) gives no reader, and the
review then says nothing about credits rather than guess.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ravensec.core.models.credits import CpuCredits

from .gather import AuditSource, CreditsReader
from .model import Credits

__all__ = ["credits_reader"]


def credits_reader(source: AuditSource) -> CreditsReader | None:
    """The reader of ``source``'s CPU credits, or None when it cannot read them."""
    read: Callable[[str], Awaitable[CpuCredits | None]] | None = getattr(source, "cpu_credits", None)
    if read is None:
        return None

    async def reader(product_id: str) -> Credits | None:
        budget = await read(product_id)
        return None if budget is None else Credits(remaining=budget.remaining, maximum=budget.max)

    return reader
