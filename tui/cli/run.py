"""Run one parsed subcommand: import its handler, give it a Context, turn errors into one line and a code."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys
import traceback

from .context import Context
from .exitcodes import FAILED, USAGE, exit_code_for


def run(args: argparse.Namespace, ctx: Context | None = None) -> int:
    ctx = ctx or Context(args)
    module_name, func_name = str(args.handler).split(":")
    func = getattr(importlib.import_module(f"ravensec.tui.cli.{module_name}"), func_name)
    try:
        result = func(ctx)
        if inspect.iscoroutine(result):
            result = asyncio.run(_with_cleanup(ctx, result))
        return int(result or 0)
    except KeyboardInterrupt:
        ctx.out.error("interrupted.")
        return 130
    except BrokenPipeError:
        # A reader such as `head` went away; nothing more to say to it.
        sys.stderr.close()
        return FAILED
    except Exception as exc:  # the one place every error becomes a line and a code
        from ravensec.core.errors import RavensecError

        if ctx.verbose:
            traceback.print_exc(file=ctx.out.stderr)
        if isinstance(exc, RavensecError):
            ctx.out.error(str(exc))
        elif isinstance(exc, OSError):
            ctx.out.error(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "") + ".")
        else:
            ctx.out.error(f"unexpected {type(exc).__name__}: {exc} (run with -v for details).")
        return exit_code_for(exc) if isinstance(exc, RavensecError | OSError) else FAILED


async def _with_cleanup(ctx: Context, coro: object) -> int:
    try:
        return int(await coro or 0)  # type: ignore[misc]
    finally:
        await ctx.close()


__all__ = ["USAGE", "run"]
