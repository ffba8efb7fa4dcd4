"""What a batch loads: the model spec (in this process or in every Ray actor) and the Ray runner's options."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mt.glossary import Glossary
    from mt.memory.store import MemoryStore
    from mt.translator import Translator


@dataclass(frozen=True)
class ModelSpec:
    """The model a batch loads (in this process or in every Ray actor)."""

    model: str
    revision: str | None = None
    engine: str = "ctranslate2"
    device: str = "auto"
    compute_type: str = "default"
    beam_size: int = 4
    threads: int = 0  # CPU threads per batch (0: from the usable cores)
    max_batch_size: int = 0  # sentences per engine batch (0: the Translator's default)
    output_tokens: int | None = None  # benchmarks only (random weights): every sentence decoded to this many tokens
    glossary: Glossary | None = None
    memory: MemoryStore | None = None  # corrections used verbatim (the store pickles as its path)

    def resolved(self) -> tuple[ModelSpec, str]:
        """This spec with a concrete device and compute type, and the signature its Translator will have."""
        from mt.engines import resolve_compute_type, resolve_device
        from mt.models import resolve_model
        from mt.types import Signature

        device = resolve_device(self.device, self.engine)
        compute_type = resolve_compute_type(self.compute_type, self.engine, device)
        model = resolve_model(self.model, self.revision)
        signature = Signature(model.model_id, model.revision, self.engine, compute_type, self.beam_size, device)
        return replace(self, device=device, compute_type=compute_type), str(signature)

    def load(self, workers: int = 0, threads: int | None = None) -> Translator:
        """Load the Translator (sentence cache off); CTranslate2 then decodes `workers` batches at once
        (0: workers and threads from the usable cores)."""
        from mt.engines import DecodeOptions
        from mt.translator import BatchOptions, Translator

        batching = BatchOptions(cache_size=0)
        if self.max_batch_size:
            batching = replace(batching, max_batch_size=self.max_batch_size)
        return Translator.load(model=self.model, engine=self.engine, device=self.device,
                               compute_type=self.compute_type, beam_size=self.beam_size, revision=self.revision,
                               batching=batching, workers=workers, threads=threads or self.threads,
                               decode=DecodeOptions(beam_size=self.beam_size, fixed_length=self.output_tokens),
                               glossary=self.glossary, memory=self.memory)


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide the Ray runner goes."""

    address: str | None = None  # None: start a local Ray instance; "auto": the cluster this node is part of
    actors: int = 2  # size of the actor pool; each actor holds one Translator
    batch_size: int = 4  # files per map_batches call
    cpus_per_actor: float = 1.0  # what Ray reserves per actor: node CPUs / this = actors per node
