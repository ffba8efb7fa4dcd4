"""The Ray runner of a batch (`mtbrief translate DIR -o OUTDIR --engine ray`): one Translator per actor.

The driver plans (selection, hashes, manifest) exactly as the local runner does, hands Ray Data one row per
file to translate, and writes every result itself: outputs (atomic) and the manifest have a single writer,
and the output folder only has to exist where the driver runs. The actors read the input files by path, so
on a cluster the input folder must be visible at the same path on every node (a shared file system).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from mt.batch.files import FileResult, FileTask, translate_file
from mt.errors import MtbriefError

if TYPE_CHECKING:
    from mt.batch.files import Plan
    from mt.batch.recorder import Recorder
    from mt.batch.spec import ModelSpec, RayOptions

TASK_FIELDS = tuple(f.name for f in fields(FileTask))
RESULT_FIELDS = tuple(f.name for f in fields(FileResult))


class TranslateActor:
    """A Ray Data actor: loads one Translator, then translates batches of file rows."""

    def __init__(self, spec: ModelSpec, threads: int) -> None:
        self.translator = spec.load(workers=1, threads=threads)  # the CPUs Ray reserved, no more

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        """Translate every file of the batch; a bad file is a row with an error, never an exception."""
        count = len(batch["rel"])
        tasks = [FileTask(**{name: _plain(batch[name][i]) for name in TASK_FIELDS}) for i in range(count)]
        results = [translate_file(self.translator, task) for task in tasks]
        return {name: [getattr(result, name) for result in results] for name in RESULT_FIELDS}


def run_ray(spec: ModelSpec, plan: Plan, recorder: Recorder, options: RayOptions) -> None:
    """Translate the plan's files on a Ray actor pool; results are recorded on the driver as they arrive."""
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        _connect(options.address)
    try:
        _translate_on_ray(spec, plan, recorder, options)
    except MtbriefError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever broke in Ray, the finished files are kept
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise MtbriefError(f"the Ray job stopped ({type(exc).__name__}: {first_line}); the files finished "
                           "so far are kept: run the same command again to resume") from exc
    finally:
        if started_here:
            ray.shutdown()


def _translate_on_ray(spec: ModelSpec, plan: Plan, recorder: Recorder, options: RayOptions) -> None:
    import ray

    ray.data.DataContext.get_current().enable_progress_bars = False  # ours is the one on stderr
    ray.data.DataContext.get_current().print_on_execution_start = False
    dataset = ray.data.from_items([asdict(task) for task in plan.todo]).map_batches(
        TranslateActor,
        # CTranslate2 uses as many threads as Ray reserved CPUs, so actors sharing a node do not oversubscribe it.
        fn_constructor_kwargs={"spec": spec, "threads": max(1, round(options.cpus_per_actor))},
        batch_size=options.batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=options.actors),
        num_cpus=options.cpus_per_actor,
        num_gpus=1 if spec.device == "cuda" else None,
    )
    tasks = {task.rel: task for task in plan.todo}
    recorder.start()  # the clock includes the actors' start and model loads: that is what a user waits for
    for row in dataset.iter_rows():
        result = FileResult(**{name: _plain(row[name]) for name in RESULT_FIELDS})
        recorder.record(tasks[result.rel], result)


def _connect(address: str | None) -> None:
    import ray

    try:
        if address is None:
            ray.init(include_dashboard=False, logging_level=logging.WARNING)
        else:
            ray.init(address=address, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise MtbriefError(f"cannot start or reach {where}: {exc}") from exc


def _plain(value: Any) -> Any:
    # Ray hands back numpy scalars and strings; the dataclasses and json want Python ones.
    return value.item() if hasattr(value, "item") else value
