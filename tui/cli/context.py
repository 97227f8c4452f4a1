"""What every command shares: the output, the chosen profile, one open Workspace, product lookup, confirmation."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from ravensec.core.config import Config, get_profile, load_config
from ravensec.core.errors import NotFound, ReadOnlyError, UsageError
from ravensec.core.models import Product
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace
from ravensec.tui.safetext import visible

from .output import Output

# What the parser stores as ``handler``: a command, synchronous or a coroutine function.
Handler = Callable[["Context"], int | Coroutine[Any, Any, int]]


class Context:
    def __init__(
        self, args: argparse.Namespace, *, out: Output | None = None, workspace: Workspace | None = None
    ) -> None:
        self.args = args
        self.out = out or Output(args.output, no_color=args.no_color)
        self.verbose: int = args.verbose
        self._config: Config | None = None
        # A workspace may be handed in (tests drive the command layer in-process with a fake one).
        self._workspace: Workspace | None = workspace
        self._products: list[Product] | None = None

    # ------------------------------------------------------------------------------------------ config

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config()
        return self._config

    def profile_name(self) -> str:
        return self.profile().name

    def profile(self) -> Profile:
        """``--profile``, else ``$RAVENSEC_PROFILE``, else the config's current (or only) profile."""
        return get_profile(self.config, self.args.profile)

    # ------------------------------------------------------------------------------------------ workspace

    async def workspace(self) -> Workspace:
        if self._workspace is None:
            # --read-only can only tighten: a read-only profile stays read-only.
            self._workspace = await Workspace.open(self.profile(), read_only=True if self.args.read_only else None)
        return self._workspace

    async def writable_workspace(self, what: str) -> Workspace:
        """The workspace, refusing up front when read-only: no lookups, no dry run, for a change."""
        ws = await self.workspace()
        ensure_writable(ws, what)
        return ws

    async def close(self) -> None:
        if self._workspace is not None:
            ws, self._workspace = self._workspace, None
            await ws.close()

    async def products(self) -> list[Product]:
        if self._products is None:
            ws = await self.workspace()
            self._products = await ws.list_products()
        return self._products

    async def product(self, ref: str | None = None) -> Product:
        """The product named by ``ref`` (or ``--product``): its id, or its display name when that is unique."""
        ref = ref if ref is not None else getattr(self.args, "product", None)
        products = await self.products()
        if not ref:
            if len(products) == 1:
                return products[0]
            names = ", ".join(f"{p.display_name} ({p.id})" for p in products) or "none"
            raise UsageError(f"Which product? This profile has {len(products)}: {names}.",
                             hint="Pass --product ID or --product NAME.")
        for p in products:
            if p.id == ref:
                return p
        for matches in ([p for p in products if p.display_name == ref],
                        [p for p in products if p.display_name.casefold() == ref.casefold()]):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                ids = ", ".join(p.id for p in matches)
                raise UsageError(f"{len(matches)} products are named {ref!r} ({ids}).",
                                 hint="Pass the product id instead of the name.")
        names = ", ".join(f"{p.display_name} ({p.id})" for p in products) or "none"
        profile = (await self.workspace()).profile.name
        raise NotFound(f"No product {ref!r} in profile {profile!r} (known: {names}).",
                       hint="See `ravensec products list`.")

    # ------------------------------------------------------------------------------------------ asking

    @property
    def dry_run(self) -> bool:
        return bool(getattr(self.args, "dry_run", False))

    def confirm(self, question: str) -> None:
        """Go on only with --yes or a 'y' typed on a terminal; refuse (usage error) when not interactive."""
        if self.args.yes or self.dry_run:
            return
        if not (sys.stdin.isatty() and self.out.stderr.isatty()):
            raise UsageError(f"Refusing to {question} without confirmation: not on a terminal.",
                             hint="Pass --yes to confirm.")
        question = visible(question)  # it names certificates and products: data, not terminal control
        self.out.stderr.write(f"{question[0].upper()}{question[1:]}? [y/N] ")
        self.out.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            raise UsageError("Cancelled; nothing was changed.")

    def progress(self, text: str) -> None:
        """A transient status line on a terminal; silent when stderr is piped."""
        if self.out.stderr.isatty():
            self.out.stderr.write(f"\r\x1b[K{visible(text)}")
            self.out.stderr.flush()

    def progress_done(self) -> None:
        if self.out.stderr.isatty():
            self.out.stderr.write("\r\x1b[K")
            self.out.stderr.flush()


def ensure_writable(ws: Workspace, what: str) -> None:
    """Refuse a change (even a dry run of one) in a read-only workspace, as the write itself would."""
    if ws.read_only:
        raise ReadOnlyError(what)
