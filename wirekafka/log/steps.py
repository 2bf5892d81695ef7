"""Work in steps: a long log operation that pauses so an event loop can serve in between.

A partition log is not thread-safe, so the broker runs log work on its trio thread; the one
operation that costs CPU in proportion to the data, a compaction pass, would hold every
connection for seconds if run at once. Written as a generator, it pauses after each batch
(``yield None``) and hands out what must block on the disk (``yield fsync``, a ``Blocking``
callable) instead of calling it. The caller decides: :func:`run_to_end` runs everything at once
(tests, tools); the broker's housekeeping resumes it in time slices and runs the blocking calls
on a worker thread (``replication.housekeeping.run_in_slices``).

While a generator is paused its log may change (appends, a deleted topic); each operation says
what it checks when it resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")

Blocking = Callable[[], object]
"""A call that blocks on the disk (an fsync) and touches nothing the event loop uses meanwhile."""

Steps = Generator[Blocking | None, None, T]
"""Pauses (``None``) and blocking calls to make (``Blocking``), then a result ``T``."""


def run_to_end(steps: Steps[T]) -> T:
    """Run ``steps`` without pausing, making the blocking calls inline; their result."""
    while True:
        try:
            step = next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if step is not None:
            step()
