"""The Ray runner of a batch gives the local runner's output tree, byte for byte (one Ray run: startup is slow)."""

from __future__ import annotations

import json

import pytest
from test_batch import batch, counts, phrases, tree, write_tree

from mt.batch.files import MANIFEST, read_manifest

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'ray[data]')")


@pytest.fixture(scope="module")
def local_ray():
    """A small local Ray instance for this module; the batch must leave it running (it did not start it)."""
    ray.init(num_cpus=2, include_dashboard=False)
    yield ray
    ray.shutdown()


def test_ray_runner_equals_local_runner(capsys, tiny_marian_dir, tmp_path, seed_text, local_ray):
    p = phrases(seed_text)
    files: dict[str, str | bytes] = {f"d{i % 2}/f{i}.txt": f"{p[i]}\n\n{p[i + 1]} {p[i + 2]}" for i in range(7)}
    files["news.jsonl"] = "\n".join(json.dumps({"id": i, "text": p[i]}, ensure_ascii=False) for i in range(3))
    files["broken.txt"] = b"\xff\xfe not UTF-8"
    src = write_tree(tmp_path / "in", files)
    code, err = batch(capsys, tiny_marian_dir, src, tmp_path / "local", "--recursive")
    assert (code, counts(err)) == (1, "8 ok, 1 failed, 0 skipped")
    code, err = batch(capsys, tiny_marian_dir, src, tmp_path / "ray", "--recursive", "--engine", "ray",
                      "--ray-actors", "2", "--ray-batch-size", "3")
    assert (code, counts(err)) == (1, "8 ok, 1 failed, 0 skipped")
    assert local_ray.is_initialized()
    local, on_ray = tree(tmp_path / "local"), tree(tmp_path / "ray")
    assert sorted(on_ray) == sorted(local) and len(local) == 9  # 8 outputs + failures.tsv
    assert on_ray == local
    same = ("path", "sha256", "signature", "options", "output", "segments")
    manifests = [read_manifest(tmp_path / name / MANIFEST) for name in ("local", "ray")]
    assert [{k: {f: e[f] for f in same} for k, e in m.items()} for m in manifests[1:]] == [
        {k: {f: e[f] for f in same} for k, e in manifests[0].items()}]
