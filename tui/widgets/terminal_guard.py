"""A line filter that keeps every control character away from the terminal, whatever a widget draws.

The screens show server strings through ``safe_text`` (visible escapes); this is the net under them, for
what they do not build themselves: an input's value (a certificate name being edited keeps its exact
characters), a toast, a library's message. An unsafe character (``ravensec.tui.safetext``) becomes as many
spaces as the cells Rich measured for it, so a line keeps its width; most are zero-width and just vanish.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from ravensec.tui.safetext import strip_for_terminal


class ControlFilter(LineFilter):
    """Removes control, bidi and invisible format characters from every segment of every line."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = segments
        for i, seg in enumerate(segments):
            text = seg.text
            if seg.control or (text.isascii() and text.isprintable()):
                continue  # nearly every segment: no copy, no regex
            clean = strip_for_terminal(text, cell_len)
            if clean != text:
                if out is segments:
                    out = list(segments)
                out[i] = Segment(clean, seg.style, seg.control)
        return out
