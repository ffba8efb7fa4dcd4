"""What this machine lets the engine use: the usable cores, and the default split of them between batches.

`usable_cores` is the smallest of the CPU affinity mask (taskset, a container's CPU set) and the CPU quota of the
cgroups this process is in (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, every level up to
the root): `os.cpu_count()` counts the host's cores, which a container limited to 2 CPUs would oversubscribe.

`default_parallelism` splits them: CTranslate2's `inter_threads` (batches decoded at once, each by its own worker)
times `intra_threads` (threads inside one batch) never exceeds the usable cores. A batch gets one thread up to 8
cores: a beam-4 batch of a few dozen sentences is a small matrix product per decoder step whose threads meet at a
barrier every layer. On this 2-core machine, quiet, 2 x 1 was the sweep's best for the batch command and also the
server's best: a lone 2-sentence request took 382-393 ms (p50) against 427-435 ms for 1 x 2, and 20 clients got
19.3-20.8 sentences/s against 14.8-15.2 (docs/speed.md). What was not measured: a machine with more than 2 cores.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mt.errors import InvalidOption

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Parallelism:
    """How the engine uses the machine: batches decoded at once (workers) and threads per batch."""

    workers: int
    threads: int
    cores: int  # the usable cores it was chosen for

    def describe(self) -> str:
        """One line for logs and the sweep: '2 batches at once x 1 thread (2 usable cores)'."""
        return (f"{self.workers} batch{'es' if self.workers > 1 else ''} at once × {self.threads} "
                f"thread{'s' if self.threads > 1 else ''} ({self.cores} usable core{'s' if self.cores > 1 else ''})")


def usable_cores(proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = CGROUP_ROOT) -> int:
    """The cores this process may use: its affinity mask, bounded by any cgroup CPU quota (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux: no affinity and no cgroups
        return os.cpu_count() or 1
    quota = cgroup_cpu_limit(proc_cgroup, root)
    return max(1, min(cores, math.ceil(quota))) if quota is not None else cores


def cgroup_cpu_limit(proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = CGROUP_ROOT) -> float | None:
    """The tightest CPU quota (in CPUs) of this process's cgroups, v2 or v1, at any level; None when unlimited."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    limits = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one unified hierarchy
            base = root if (root / "cgroup.controllers").exists() else root / "unified"
            limits += _levels(base, path, _v2_limit)
        elif "cpu" in controllers.split(","):
            limits += _levels(root / controllers, path, _v1_limit)
    found = [limit for limit in limits if limit is not None]
    return min(found) if found else None


def _levels(base: Path, path: str, read) -> list[float | None]:
    """The limit at the process's cgroup and at each parent up to the hierarchy's root."""
    parts = [p for p in path.strip("/").split("/") if p and p != ".."]
    return [read(base.joinpath(*parts[:depth])) for depth in range(len(parts), -1, -1)]


def _v2_limit(folder: Path) -> float | None:
    try:
        quota, period = (folder / "cpu.max").read_text(encoding="utf-8").split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else _ratio(quota, period)


def _v1_limit(folder: Path) -> float | None:
    try:
        quota = (folder / "cpu.cfs_quota_us").read_text(encoding="utf-8").strip()
        period = (folder / "cpu.cfs_period_us").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return None if quota.startswith("-") else _ratio(quota, period)


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def default_parallelism(device: str = "cpu", cores: int | None = None, workers: int = 0,
                        threads: int = 0) -> Parallelism:
    """The engine's workers x threads for this machine; a given workers or threads (> 0) is kept, the other fits.

    CPU (every command, `serve` included): 1 thread per batch up to 8 cores, 2 up to 32, then 4; as many batches at
    once as the rest allows. CUDA: one batch at a time per GPU (the GPU is the parallelism), one CPU thread to feed
    it."""
    cores = cores or usable_cores()
    if device != "cpu":
        return Parallelism(workers or 1, threads or 1, cores)
    if workers and threads:
        return Parallelism(workers, threads, cores)
    if workers:
        return Parallelism(workers, max(1, cores // workers), cores)
    if not threads:
        threads = 1 if cores <= 8 else 2 if cores <= 32 else 4
    return Parallelism(max(1, cores // threads), threads, cores)


def parallelism_from_args(args: Any) -> tuple[int, int]:
    """A command line's --jobs and --threads (0 where left out: from the machine); InvalidOption below 1."""
    for name in ("jobs", "threads"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise InvalidOption(f"--{name}", value, ["an integer >= 1 (or leave it out: from the usable cores)"])
    return getattr(args, "jobs", None) or 0, getattr(args, "threads", None) or 0
