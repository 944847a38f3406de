"""What the machine's processes use, from /proc: CPU time, peak memory, and whose it is.

The benchmark's own processes are this process's descendants (the servers and their
workers, the load generators, py-spy) and the PostgreSQL processes serving the benchmark
database (its backends, the parallel workers they start, autovacuum on it). Everything
else running on the machine is *other load*: it is measured directly, per process, as the
CPU time it used between two snapshots of /proc. A process that starts and ends between
the two snapshots is not seen (neither ours nor other); the machine's total busy time
(/proc/stat) is kept beside it so that the unattributed rest shows.

Also here: pinning the PostgreSQL server to one core for the profile (and putting it
back as it was).
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    comm: str
    ticks: int  # utime + stime, clock ticks
    start: int  # start time after boot, clock ticks: tells a reused pid apart
    cmdline: str


def read_proc(pid: int) -> Proc | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        cmdline = (
            (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    f = stat[stat.rindex(")") + 2 :].split()
    # after "(comm) ": state ppid … utime(11) stime(12) … starttime(19)
    return Proc(pid, int(f[1]), comm, int(f[11]) + int(f[12]), int(f[19]), cmdline.strip())


def snapshot() -> dict[int, Proc]:
    out = {}
    for d in PROC.iterdir():
        if d.name.isdigit() and (p := read_proc(int(d.name))) is not None:
            out[p.pid] = p
    return out


def cpu_ticks(pid: int) -> int:
    p = read_proc(pid)
    return p.ticks if p else 0


def descendants(root: int, procs: dict[int, Proc]) -> set[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo.extend(children.get(pid, ()))
    return out


def _is_postgres(p: Proc) -> bool:
    return p.comm in ("postgres", "postmaster") or p.cmdline.startswith("postgres:")


def postgres_pids(db_name: str, procs: dict[int, Proc]) -> set[int]:
    """The PostgreSQL processes working for the database ``db_name``: backends and
    autovacuum on it (its name is in their title), and the parallel workers of those
    backends ("parallel worker for PID n")."""
    mine = {p.pid for p in procs.values() if _is_postgres(p) and db_name in p.cmdline.split()}
    for p in procs.values():
        if _is_postgres(p) and "parallel worker for PID" in p.cmdline:
            with contextlib.suppress(ValueError):
                if int(p.cmdline.rsplit(" ", 1)[1]) in mine:
                    mine.add(p.pid)
    return mine


def ours(procs: dict[int, Proc], db_name: str) -> set[int]:
    """This process's tree and the PostgreSQL processes working for the benchmark."""
    return descendants(os.getpid(), procs) | postgres_pids(db_name, procs)


def busy_ticks() -> int:
    """All CPU time spent on the machine (every core), from /proc/stat."""
    f = (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return user + nice + system + irq + softirq + steal


def children_ticks() -> float:
    """CPU of this process's children that have exited and been waited for."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * CLK_TCK


def loadavg() -> list[float]:
    return [float(x) for x in (PROC / "loadavg").read_text().split()[:3]]


class Window:
    """CPU used between ``start`` and ``stop``, per process, from two /proc snapshots.

    A process's share is its CPU at ``stop`` minus its CPU at ``start`` (all of it if it
    started in between); one that exited in between is not seen.
    """

    def __init__(self, db_name: str) -> None:
        self.db_name = db_name

    def start(self) -> None:
        self.procs0 = snapshot()
        self.busy0 = busy_ticks()
        self.kids0 = children_ticks()
        self.t0 = time.monotonic()

    def stop(self) -> None:
        self.procs1 = snapshot()
        self.busy = busy_ticks() - self.busy0
        self.kids = children_ticks() - self.kids0
        self.elapsed_ticks = (time.monotonic() - self.t0) * CLK_TCK

    def _delta(self, pid: int) -> int:
        p1 = self.procs1[pid]
        p0 = self.procs0.get(pid)
        return p1.ticks - p0.ticks if p0 is not None and p0.start == p1.start else p1.ticks

    def used(self, pids: set[int]) -> int:
        return sum(self._delta(pid) for pid in pids if pid in self.procs1)

    def tree(self, root: int) -> int:
        """CPU of a process and its descendants (a server and its workers)."""
        return self.used(descendants(root, self.procs1))

    def postgres(self) -> int:
        """CPU of the PostgreSQL processes working for the benchmark database."""
        return self.used(postgres_pids(self.db_name, self.procs1))

    def load(self, extra_ours: float = 0) -> dict[str, Any]:
        """Other load: CPU of every process that is not ours, in % of one core.

        ``extra_ours``: CPU of our processes that exited in the window and are not our
        waited-for children (the floor's backends).
        """
        mine = ours(self.procs1, self.db_name) | ours(self.procs0, self.db_name)
        used = {"ours": self.kids + extra_ours, "other": 0.0}
        by_name: dict[str, float] = {}
        for pid, p1 in self.procs1.items():
            delta = self._delta(pid)
            if pid in mine:
                used["ours"] += delta
            elif delta > 0:
                used["other"] += delta
                # by command name only: no paths or arguments in reports
                by_name[p1.comm] = by_name.get(p1.comm, 0) + delta
        ticks = self.elapsed_ticks
        top = sorted(by_name.items(), key=lambda kv: -kv[1])[:3]
        rest = self.busy - used["ours"] - used["other"]
        return {
            "other_cpu_pct": 100 * used["other"] / ticks,
            "unattributed_cpu_pct": max(0.0, 100 * rest / ticks),
            "busy_cpu_pct": 100 * self.busy / ticks,
            "other_top": [(name, round(100 * d / ticks, 1)) for name, d in top],
            "loadavg": loadavg(),
        }


def peak_rss_mb(root: int) -> float | None:
    """VmHWM of a server: the sum over its process tree (its workers)."""
    procs = snapshot()
    total, seen = 0.0, False
    for pid in descendants(root, procs):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for line in (PROC / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
                    seen = True
    return total if seen else None


def reset_peak_rss(root: int) -> None:
    for pid in descendants(root, snapshot()):
        with contextlib.suppress(OSError):
            (PROC / str(pid) / "clear_refs").write_text("5")


class PinnedPostgres:
    """Pins the PostgreSQL server (the postmaster and every process under it, so new
    backends too) to ``cores`` for a ``with`` block, then puts each back as it was.

    ``postmaster`` is the main process of the server the benchmark database lives on (the
    parent of its backends). Needs the right to change those processes' affinity (root,
    or the postgres user); without it ``pinned`` is False and ``error`` says why, and
    nothing changes.
    """

    def __init__(self, postmaster: int, cores: set[int]) -> None:
        self.root = postmaster
        self.cores = cores
        self.saved: dict[int, set[int]] = {}
        self.pinned = False
        self.error = ""

    def _tree(self) -> list[int]:
        """The postmaster and every process under it, now."""
        procs = snapshot()
        if self.root not in procs:
            return []
        return [self.root, *sorted(descendants(self.root, procs) - {self.root})]

    def __enter__(self) -> PinnedPostgres:
        tree = self._tree()
        if not tree:
            self.error = f"no PostgreSQL server process {self.root}"
            return self
        try:
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    self.saved[pid] = os.sched_getaffinity(pid)
                    os.sched_setaffinity(pid, self.cores)
            self.pinned = True
        except OSError as exc:
            self.error = f"cannot pin PostgreSQL ({exc.strerror})"
            self._restore(tree)
        return self

    def _restore(self, tree: list[int]) -> None:
        default = self.saved.get(tree[0]) if tree else None
        for pid in tree:
            mask = self.saved.get(pid, default)
            if mask is not None:
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(pid, mask)

    def __exit__(self, *_: object) -> None:
        if self.saved:
            # Twice: a backend forked while the first pass ran inherits the pinned mask.
            self._restore(self._tree())
            self._restore(self._tree())
