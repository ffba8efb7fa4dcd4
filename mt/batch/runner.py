"""Batch translation of a folder (`mtbrief translate DIR -o OUTDIR`): resumable, parallel, or on Ray.

Resuming: every finished file is first written to a temporary file and renamed, then one line is appended to
`OUTDIR/.mtbrief-manifest.jsonl` (path, input SHA-256, model signature, options, segments, seconds). A rerun
skips a file whose latest manifest line has the same hash, signature and options and whose output exists;
a killed run therefore leaves whole files only and loses at most the files it was working on.

Parallel work runs in ONE process with ONE Translator: files are translated in packs (mt.batch.packs) whose
sentences share engine batches, sorted by length and sized in tokens, and the engine decodes `--jobs` batches
at once with `--threads` threads each (default: from the usable cores, mt.machine); two packs are in flight, so
reading, sentence splitting and tokenization of one overlap the decoding of the other. N processes would load
N models. Across machines, `--engine ray` runs one Translator per Ray actor.

Outputs do not depend on the order, the number of jobs, timing or resuming: a file's batch neighbours depend only
on its pack, and the packs only on the selection. The batch turns the Translator's sentence cache off, because a
cache hit from another file would make one file's output depend on the files translated before it. Under int8,
a different batch neighbour can change a token of a file's translation against the file translated alone
(CTranslate2's results depend slightly on the batch): docs/speed.md says how often.
"""

from __future__ import annotations

import argparse
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mt.batch.files import (
    DEFAULT_GLOBS,
    LOCK,
    FileResult,
    Plan,
    Selection,
    plan_batch,
    remove_stale_temporaries,
)
from mt.batch.packs import PackOptions, cut_packs, translate_pack
from mt.batch.recorder import Recorder
from mt.batch.spec import ModelSpec, RayOptions
from mt.errors import InputError, InvalidOption, MtbriefError
from mt.machine import parallelism_from_args
from mt.outputs import check_output_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

RAY_OPTIONS = ("ray_address", "ray_actors", "ray_batch_size", "ray_cpus_per_actor")


@dataclass(frozen=True)
class JobOptions:
    """A whole batch job: the files, the parallelism, and the runner."""

    selection: Selection
    jobs: int = 0  # batches decoded at once (0: from the usable cores)
    quiet: bool = False
    ray: RayOptions | None = None  # None: threads on this machine
    packing: PackOptions = PackOptions()  # files sharing engine batches (local runner)


# -- command line ----------------------------------------------------------------------------------------

def job_from_args(args: argparse.Namespace) -> JobOptions:
    """Check the batch options of `mtbrief translate DIR -o OUTDIR` (InputError/InvalidOption = exit 2)."""
    if len(args.inputs) != 1:
        raise InputError(" ".join(args.inputs), "a batch takes exactly one input folder and no other inputs")
    input_dir = Path(args.inputs[0]).resolve()
    if args.output in (None, "-"):
        raise InputError(args.inputs[0], "is a folder: name an output folder with -o OUTDIR")
    output_dir = Path(args.output).resolve()
    if output_dir.exists() and not output_dir.is_dir():
        raise InputError(args.output, "exists and is not a folder; -o names the output folder of a batch")
    check_output_folder(args.output)  # before the model is resolved: a folder that cannot be made fails now
    if output_dir == input_dir or input_dir in output_dir.parents:
        raise InputError(args.output, f"is inside the input folder {args.inputs[0]}; choose a folder outside it")
    if output_dir in input_dir.parents:  # outputs mirror relative paths: they could land on input files
        raise InputError(args.output, f"contains the input folder {args.inputs[0]}; choose a folder outside it")
    for name in ("ray_actors", "ray_batch_size", "ray_cpus_per_actor", "pack_files"):
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            valid = "a number > 0" if name == "ray_cpus_per_actor" else "an integer >= 1"
            raise InvalidOption("--" + name.replace("_", "-"), value, [valid])
    if args.field is not None and not args.field:
        raise InvalidOption("--field", args.field, ["a JSON key such as text"])
    from mt.memory.options import glossary_from_args

    glossary = glossary_from_args(args)
    selection = Selection(input_dir, output_dir, bool(args.recursive), tuple(args.glob or DEFAULT_GLOBS),
                          args.field or "text", args.format, glossary.digest() if glossary else "")
    jobs, _ = parallelism_from_args(args)
    packing = PackOptions(files=args.pack_files) if getattr(args, "pack_files", None) else PackOptions()
    return JobOptions(selection, jobs, args.quiet, _ray_options(args), packing)


def _ray_options(args: argparse.Namespace) -> RayOptions | None:
    given = [name for name in RAY_OPTIONS if getattr(args, name, None) is not None]
    if args.engine != "ray":
        if given:
            raise InputError("--" + given[0].replace("_", "-"), "needs --engine ray")
        return None
    for name in ("jobs", "threads"):
        if getattr(args, name, None) is not None:
            raise InputError(f"--{name}", "sets this machine's engine; with --engine ray use --ray-actors N")
    defaults = RayOptions()
    return RayOptions(args.ray_address, args.ray_actors or defaults.actors,
                      args.ray_batch_size or defaults.batch_size, args.ray_cpus_per_actor or defaults.cpus_per_actor)


def model_spec_from_args(args: argparse.Namespace) -> ModelSpec:
    """The model options of the command line; `--engine ray` means CTranslate2 inside each Ray actor."""
    from mt.engines import DecodeOptions
    from mt.memory.options import steering_from_args

    DecodeOptions(beam_size=args.beam_size)  # a bad --beam-size fails now, not after planning
    _, threads = parallelism_from_args(args)
    engine = "ctranslate2" if args.engine == "ray" else args.engine
    return ModelSpec(args.model, args.revision, engine, args.device, args.compute_type, args.beam_size,
                     threads=threads, **steering_from_args(args))


def run_batch(args: argparse.Namespace) -> int:
    """`mtbrief translate DIR -o OUTDIR [...]`: 0 when every file is done, 1 when some failed."""
    return run_job(job_from_args(args), model_spec_from_args(args))


# -- the job ---------------------------------------------------------------------------------------------

def run_job(job: JobOptions, spec: ModelSpec) -> int:
    """Plan, translate what is not done yet, write failures.tsv and the summary; the exit code."""
    sel = job.selection
    spec, signature = spec.resolved()  # a missing model fails here, before anything is written
    sel.output_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(sel.output_dir):
        remove_stale_temporaries(sel.output_dir)
        plan = plan_batch(sel, signature)
        with Recorder(sel.output_dir, signature, len(plan.todo), job.quiet) as recorder:
            for rel, reason in plan.failures:
                recorder.fail(rel, reason)
            if plan.todo and job.ray is not None:
                from mt.batch.ray_runner import run_ray

                run_ray(spec, plan, recorder, job.ray)
            elif plan.todo:
                run_local(spec, plan, recorder, job.jobs, job.packing)
            return recorder.finish(sel, len(plan.skipped))


def run_local(spec: ModelSpec, plan: Plan, recorder: Recorder, jobs: int = 0,
              packing: PackOptions = PackOptions()) -> None:
    """Translate the plan's files in packs sharing engine batches, `jobs` batches at once (0: from the machine);
    results recorded as each pack finishes."""
    translator = spec.load(workers=jobs)
    if str(translator.signature) != recorder.signature:
        raise MtbriefError(f"the model loaded as {translator.signature}, expected {recorder.signature}")
    recorder.start()
    tasks = {task.rel: task for task in plan.todo}
    todo = {task.rel for task in plan.todo}
    selection = sorted([*plan.todo, *plan.skipped], key=lambda task: task.rel)
    queue = iter(cut_packs([(task, task.rel in todo) for task in selection], packing))
    running: set[Future[list[FileResult]]] = set()
    pool = ThreadPoolExecutor(max_workers=packing.in_flight, thread_name_prefix="mtbrief-batch")
    try:
        while True:
            # A short queue of packs keeps memory flat however many files the folder holds.
            while len(running) < packing.in_flight and (pack := next(queue, None)) is not None:
                running.add(pool.submit(translate_pack, translator, pack))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                for result in future.result():
                    recorder.record(tasks[result.rel], result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _exclusive(output_dir: Path) -> Iterator[None]:
    # Two batches writing one manifest would corrupt it; the kernel drops the lock if the process dies.
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with (output_dir / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(str(output_dir), "is in use by another mtbrief batch; wait for it to end") from None
        except OSError:
            pass  # a file system without locks (some NFS mounts): go on unguarded
        yield


