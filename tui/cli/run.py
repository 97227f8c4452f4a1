"""Run one parsed subcommand: give its handler a Context, turn errors into one line and a code."""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Coroutine
from typing import Any

from ravensec.core.errors import RavensecError

from .context import Context, Handler
from .exitcodes import FAILED, USAGE, exit_code_for


def run(args: argparse.Namespace, ctx: Context | None = None) -> int:
    ctx = ctx or Context(args)
    handler: Handler = args.handler
    try:
        result = handler(ctx)
        if not isinstance(result, int):
            result = asyncio.run(_with_cleanup(ctx, result))
        return result
    except KeyboardInterrupt:
        ctx.out.error("interrupted.")
        return 130
    except BrokenPipeError:
        # A reader such as `head` went away; nothing more to say to it.
        sys.stderr.close()
        return FAILED
    except Exception as exc:  # the one place every error becomes a line and a code

        if ctx.verbose:
            traceback.print_exc(file=ctx.out.stderr)
        if isinstance(exc, RavensecError):
            ctx.out.error(str(exc))
        elif isinstance(exc, OSError):
            ctx.out.error(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "") + ".")
        else:
            ctx.out.error(f"unexpected {type(exc).__name__}: {exc} (run with -v for details).")
        return exit_code_for(exc) if isinstance(exc, RavensecError | OSError) else FAILED


async def _with_cleanup(ctx: Context, command: Coroutine[Any, Any, int]) -> int:
    try:
        return await command
    finally:
        await ctx.close()


__all__ = ["USAGE", "run"]
