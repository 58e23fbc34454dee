"""Progress of long work on stderr, for the command line.

The analyses call :func:`step` (a named stage is starting) and :func:`iterate` (a loop over curves, analyses,
figures). They print nothing unless a caller turned reporting on with :func:`reporting` (the command does, unless
``--quiet``): then a terminal gets a tqdm progress bar and a log file (stderr not a terminal) one line per step.
The state is a context variable, so library users and parallel callers see no output and no shared state.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Iterable, Iterator

__all__ = ["reporting", "step", "iterate"]

_REPORTER: contextvars.ContextVar = contextvars.ContextVar("assaystats_progress", default=None)

#: loops shorter than this many items get no bar (they finish in a blink)
MIN_ITEMS = 4
#: seconds before anything is shown: quick runs (and bad inputs, found at the start) stay silent, so that an error
#: is the one line on stderr
DELAY_S = 3.0


class _Reporter:
    def __init__(self, stream, prog: str):
        self.stream = stream
        self.prog = prog
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()

        self.pending: str | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def line(self, text: str) -> None:
        """One line per step; before DELAY_S only the latest step is kept, and shown once the run gets long."""
        if self.elapsed() < DELAY_S:
            self.pending = text
            return
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._print(f"{pending} (started earlier)")
        self._print(text)

    def _print(self, text: str) -> None:
        print(f"{self.prog}: [{self.elapsed():6.1f} s] {text}", file=self.stream, flush=True)


@contextlib.contextmanager
def reporting(enabled: bool = True, *, stream=None, prog: str = "assaystats") -> Iterator[None]:
    """Turn progress messages on (to ``stream``, default stderr) inside the block."""
    token = _REPORTER.set(_Reporter(stream if stream is not None else sys.stderr, prog) if enabled else None)
    try:
        yield
    finally:
        _REPORTER.reset(token)


def step(message: str) -> None:
    """A stage of the work is starting (one line)."""
    rep = _REPORTER.get()
    if rep is not None:
        rep.line(message)


def iterate(items: Iterable, desc: str, *, total: int | None = None) -> Iterator:
    """Yield ``items``, showing a bar on a terminal, or a line at the start and the end otherwise."""
    rep = _REPORTER.get()
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if rep is None or (total is not None and total < MIN_ITEMS):
        yield from items
        return
    if rep.tty:
        from tqdm.auto import tqdm

        with tqdm(items, desc=f"{rep.prog}: {desc}", total=total, file=rep.stream, leave=False,
                  dynamic_ncols=True, delay=max(DELAY_S - rep.elapsed(), 0)) as bar:
            yield from bar
        rep.line(f"{desc}: done ({total} items)" if total is not None else f"{desc}: done")
        return
    rep.line(f"{desc}: {total} items" if total is not None else desc)
    n, last = 0, time.perf_counter()
    for n, item in enumerate(items, start=1):
        yield item
        if time.perf_counter() - last > 10 and total:  # a long loop: a line every 10 s
            last = time.perf_counter()
            rep.line(f"{desc}: {n} of {total}")
    rep.line(f"{desc}: done ({n} items)")
