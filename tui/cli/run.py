"""Run one parsed subcommand: give its handler a Context, turn errors into one line and a code."""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Coroutine
from typing import Any

from .context import Context, Handler
from .exitcodes import FAILED, USAGE
from .failures import error_record, record_for, report


def run(args: argparse.Namespace, ctx: Context | None = None) -> int:
    ctx = ctx or Context(args)
    handler: Handler = args.handler
    try:
        result = handler(ctx)
        if not isinstance(result, int):
            result = asyncio.run(_with_cleanup(ctx, result))
        return result
    except KeyboardInterrupt:
        report(ctx.out, error_record(130, "Interrupted", "Interrupted"))
        return 130
    except BrokenPipeError:
        # A reader such as `head` went away; nothing more to say to it.
        sys.stderr.close()
        return FAILED
    except Exception as exc:  # the one place every error becomes a line and a code

        if ctx.verbose:
            traceback.print_exc(file=ctx.out.stderr)
        record = record_for(exc)
        report(ctx.out, record)
        code: int = record["error"]["code"]
        return code


async def _with_cleanup(ctx: Context, command: Coroutine[Any, Any, int]) -> int:
    try:
        return await command
    finally:
        await ctx.close()


__all__ = ["USAGE", "run"]
