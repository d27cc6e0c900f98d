"""Reading /proc: CPU time and memory of a server's process tree, and what machine this is."""

from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, from every thread's ``/proc/<pid>/task/<tid>/children``."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            text = (task / "children").read_text()
        except OSError:
            continue
        found.extend(int(part) for part in text.split())
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (breadth first)."""
    tree, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        if current in tree:
            continue
        tree.append(current)
        queue.extend(children(current))
    return tree


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process (all its threads), in clock ticks; 0 if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def tree_cpu_ms(pid: int) -> float:
    """CPU milliseconds (user + system) summed over ``pid``'s live process tree."""
    return sum(cpu_ticks(p) for p in process_tree(pid)) * 1000.0 / CLK_TCK


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def rss_kib(pid: int) -> int | None:
    """VmRSS of one process in KiB (``None`` if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def tree_rss_kib(pid: int) -> dict[int, int]:
    """VmRSS (KiB) of every live process in ``pid``'s tree."""
    out: dict[int, int] = {}
    for p in process_tree(pid):
        rss = rss_kib(p)
        if rss is not None:
            out[p] = rss
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def nproc() -> int:
    return len(os.sched_getaffinity(0))
