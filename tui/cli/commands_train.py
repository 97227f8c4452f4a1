"""``ravensec train``: the CLI's door to training mode (everything else lives in ``ravensec.tui.training``)."""

from __future__ import annotations

from .context import Context


def train(ctx: Context) -> int:
    from ravensec.tui.training.launch import main_train

    return main_train(ctx.args)
