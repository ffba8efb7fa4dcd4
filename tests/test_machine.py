"""Defaults from the machine: usable cores (affinity and cgroup quotas), and workers x threads within them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mt.errors import InvalidOption
from mt.machine import Parallelism, cgroup_cpu_limit, default_parallelism, parallelism_from_args, usable_cores


def cgroup_tree(tmp_path: Path, proc_line: str, files: dict[str, str]) -> tuple[Path, Path]:
    """A fake /proc/self/cgroup (one line) and /sys/fs/cgroup holding `files`."""
    root = tmp_path / "cgroup"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    proc = tmp_path / "proc-cgroup"
    proc.write_text(proc_line + "\n", encoding="utf-8")
    return proc, root


V2 = "cgroup.controllers"


@pytest.mark.parametrize("proc_line, files, expected", [
    ("0::/job", {V2: "", "job/cpu.max": "150000 100000\n"}, 1.5),  # v2: quota / period
    ("0::/job", {V2: "", "job/cpu.max": "max 100000\n"}, None),  # v2: no quota
    ("0::/a/b", {V2: "", "a/cpu.max": "300000 100000\n", "a/b/cpu.max": "max 100000\n"}, 3.0),  # a parent's
    ("0::/a/b", {V2: "", "cpu.max": "100000 100000\n", "a/b/cpu.max": "400000 100000\n"}, 1.0),  # the tightest
    ("0::/", {"unified/cpu.max": "50000 100000\n"}, 0.5),  # hybrid: v2 under unified/
    ("4:cpu,cpuacct:/c", {"cpu,cpuacct/c/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/c/cpu.cfs_period_us":
                          "100000\n"}, 2.0),  # v1
    ("4:cpu,cpuacct:/c", {"cpu,cpuacct/c/cpu.cfs_quota_us": "-1\n", "cpu,cpuacct/c/cpu.cfs_period_us":
                          "100000\n"}, None),  # v1: unlimited
    ("4:memory:/m", {"memory/m/cpu.cfs_quota_us": "100000\n"}, None),  # not the cpu controller
    ("0::/job", {V2: "", "job/cpu.max": "garbage\n"}, None),  # unreadable: no limit rather than a crash
    ("0::/job", {V2: ""}, None),  # no file
])
def test_cgroup_cpu_limit(tmp_path, proc_line, files, expected):
    proc, root = cgroup_tree(tmp_path, proc_line, files)
    assert cgroup_cpu_limit(proc, root) == expected


def test_usable_cores_is_bounded_by_the_quota_and_the_affinity(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    proc, root = cgroup_tree(tmp_path, "0::/job", {V2: "", "job/cpu.max": "250000 100000\n"})
    assert usable_cores(proc, root) == 3  # 2.5 CPUs of quota: 3 threads keep it busy
    proc, root = cgroup_tree(tmp_path / "x", "0::/job", {V2: "", "job/cpu.max": "max 100000\n"})
    assert usable_cores(proc, root) == 8
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {3})
    proc, root = cgroup_tree(tmp_path / "y", "0::/job", {V2: "", "job/cpu.max": "400000 100000\n"})
    assert usable_cores(proc, root) == 1
    assert usable_cores(tmp_path / "missing", root) == 1  # no /proc/self/cgroup: the affinity alone


@pytest.mark.parametrize("device, cores, workers, threads, expected", [
    ("cpu", 1, 0, 0, (1, 1)),
    ("cpu", 2, 0, 0, (2, 1)),
    ("cpu", 3, 0, 0, (3, 1)),
    ("cpu", 8, 0, 0, (8, 1)),
    ("cpu", 12, 0, 0, (6, 2)),
    ("cpu", 32, 0, 0, (16, 2)),
    ("cpu", 64, 0, 0, (16, 4)),
    ("cpu", 8, 2, 0, (2, 4)),  # workers given: the threads fill the cores
    ("cpu", 8, 3, 0, (3, 2)),
    ("cpu", 2, 4, 0, (4, 1)),  # more workers than cores: still one thread each
    ("cpu", 8, 0, 4, (2, 4)),  # threads given: the workers fill the cores
    ("cpu", 2, 0, 4, (1, 4)),
    ("cpu", 2, 3, 3, (3, 3)),  # both given: as given
    ("cuda", 16, 0, 0, (1, 1)),
    ("cuda", 16, 2, 0, (2, 1)),
])
def test_default_parallelism(device, cores, workers, threads, expected):
    plan = default_parallelism(device, cores, workers, threads)
    assert (plan.workers, plan.threads) == expected
    if device == "cpu" and not (workers or threads):
        assert plan.workers * plan.threads <= cores


@pytest.mark.parametrize("plan, text", [
    (Parallelism(2, 1, 2), "2 batches at once × 1 thread (2 usable cores)"),
    (Parallelism(1, 4, 1), "1 batch at once × 4 threads (1 usable core)"),
])
def test_describe(plan, text):
    assert plan.describe() == text


@pytest.mark.parametrize("jobs, threads, expected", [
    (None, None, (0, 0)), (3, None, (3, 0)), (None, 2, (0, 2)), (4, 1, (4, 1)),
])
def test_parallelism_from_args(jobs, threads, expected):
    assert parallelism_from_args(argparse.Namespace(jobs=jobs, threads=threads)) == expected


@pytest.mark.parametrize("jobs, threads, name", [(0, None, "--jobs"), (-1, None, "--jobs"), (None, 0, "--threads"),
                                                 (None, -5, "--threads")])
def test_parallelism_from_args_refuses_below_one(jobs, threads, name):
    with pytest.raises(InvalidOption, match=rf"invalid {name} -?\d+: choose one of an integer >= 1"):
        parallelism_from_args(argparse.Namespace(jobs=jobs, threads=threads))
