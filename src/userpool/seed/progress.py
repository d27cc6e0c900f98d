"""Progress of a long seed on the terminal (issue 15 item 5): "seed: password verifiers 1200/5000"."""

from __future__ import annotations

from typing import TextIO

from userpool.seed.apply import Progress


def printer(stream: TextIO, *, terminal: bool) -> Progress:
    """Progress lines on ``stream``. On a terminal one line is rewritten in place every 1 %; in a
    file or log (``--progress on``) a line is written every 10 %. The last count of each stage
    ends its line."""
    steps = 100 if terminal else 10

    def report(what: str, done: int, total: int) -> None:
        step = max(1, total // steps)
        if done != total and done % step:
            return
        line = f"seed: {what} {done}/{total}"
        if terminal:
            stream.write(f"\r{line}" + ("\n" if done == total else ""))
        else:
            stream.write(line + "\n")
        stream.flush()

    return report
