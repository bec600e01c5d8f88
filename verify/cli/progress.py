"""A small terminal progress bar (the library itself prints nothing; the CLI owns this)."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Bar:
    """Progress over ``total`` units with elapsed time and an estimate of the time left.

    Draws only when ``stream`` is a terminal, so logs and CI output stay clean.
    """

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.done = 0.0
        self._last = 0.0

    def update(self, done: float, note: str = "") -> None:
        """Set progress to ``done`` units (redraws at most 10 times a second)."""
        self.done = min(float(done), self.total)
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        frac = self.done / self.total
        elapsed = now - self.start
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        self.stream.write(f"\r{self.label} [{bar}] {frac:6.1%} {elapsed:6.1f}s left~{eta:6.1f}s {note[:40]:40s}")
        self.stream.flush()

    def close(self) -> None:
        """Finish the line."""
        if self.enabled:
            self.update(self.total)
            self.stream.write("\n")
            self.stream.flush()
