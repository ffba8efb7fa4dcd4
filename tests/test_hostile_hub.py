"""An unreachable or misbehaving hub (simulated on 127.0.0.1, never a real outside address): every command that
needs a model ends within a bounded time with exit 2 and the one-line "not available ... Fix: ..." message; a
working local hub downloads with progress."""

from __future__ import annotations

import os
import time
from contextlib import nullcontext

import pytest
from hostile import AR, check_failure, cli
from hubfake import SHA, closed_port, fake_hub, silent_endpoint

TIMEOUT = 2  # $MTBRIEF_HUB_TIMEOUT for these tests: each network step may take at most this long
BOUND = 45  # seconds a whole command may take here (start-up included) before it counts as a hang

ENDPOINTS = {
    "connection-refused": lambda _: nullcontext(closed_port()),
    "accepts-never-answers": lambda _: silent_endpoint(),
    "answers-headers-then-stalls": lambda model: fake_hub("stall", model),
    "answers-500": lambda model: fake_hub("status:500", model),
    "answers-404": lambda model: fake_hub("status:404", model),
    "answers-401": lambda model: fake_hub("status:401", model),
    "answers-garbage": lambda model: fake_hub("garbage", model),
    "lists-files-it-cannot-serve": lambda model: fake_hub("files:404", model),
}
EXPECTED = {
    "connection-refused": r"is not available offline \(the hub http://127\.0\.0\.1:\d+ cannot be reached: .*refused",
    "accepts-never-answers": rf"is not available offline \(the hub http://127\.0\.0\.1:\d+ did not answer within "
                             rf"{TIMEOUT} s\)",
    "answers-headers-then-stalls": rf"is not available offline \(the hub .* did not answer within {TIMEOUT} s\)",
    "answers-500": r"is not available offline \(the hub http://127\.0\.0\.1:\d+ answered HTTP 500\)",
    "answers-404": r"is not available offline \(the hub .* answered HTTP 404\)",
    "answers-401": r"cannot be used \(the hub requires a login for this model\)\. Fix: run `hf auth login`",
    "answers-garbage": r"is not available offline \(download failed: RemoteProtocolError",
    "lists-files-it-cannot-serve": r"is not available offline \(the hub .* answered HTTP 404\)",
}
COMMANDS = {
    "models-download": lambda src, out: ["models", "download", "org/model"],
    "translate": lambda src, out: ["translate", str(src), "-o", str(out), "--model", "org/model"],
    "brief": lambda src, out: ["brief", str(src), "-o", str(out), "--model", "org/model"],
    "batch": lambda src, out: ["translate", str(src.parent), "-o", str(out), "--model", "org/model"],
}


def hub_env(endpoint: str, home) -> dict[str, str]:
    """Online, with the hub at `endpoint` and empty caches."""
    return {**os.environ, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint, "HF_HOME": str(home / "hf"),
            "MTBRIEF_CACHE": str(home / "mtbrief"), "MTBRIEF_HUB_TIMEOUT": str(TIMEOUT)}


CASES = [(e, c) for e in ENDPOINTS for c in ("models-download", "translate")] + [
    ("connection-refused", "brief"), ("connection-refused", "batch"),
    ("accepts-never-answers", "brief"), ("accepts-never-answers", "batch"),
]


@pytest.mark.parametrize(("endpoint", "command"), CASES)
def test_a_broken_hub_ends_in_one_line(tiny_marian_dir, tmp_path, endpoint, command):
    (tmp_path / "in").mkdir()
    src, out = tmp_path / "in" / "report.txt", tmp_path / "out"
    src.write_text(AR, encoding="utf-8")
    with ENDPOINTS[endpoint](tiny_marian_dir) as url:
        start = time.monotonic()
        result = cli(COMMANDS[command](src, out), env=hub_env(url, tmp_path), timeout=BOUND)
        took = time.monotonic() - start
    err = result.stderr.decode()
    check_failure(result.returncode, err, 2, rf"model 'org/model' {EXPECTED[endpoint]}")
    assert "Retrying" not in err and took < BOUND
    assert not out.exists() and src.read_text(encoding="utf-8") == AR


def test_a_working_hub_downloads_with_progress_then_works_offline(tiny_marian_dir, tmp_path):
    src = tmp_path / "report.txt"
    src.write_text(AR, encoding="utf-8")
    with fake_hub("ok", tiny_marian_dir) as url:
        result = cli(["models", "download", "org/model"], env=hub_env(url, tmp_path), timeout=120)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert f"mtbrief: downloading org/model (7 files) from {url} into " in err and "Fetching 7 files" in err
    assert result.stdout.decode().startswith(f"org/model @ {SHA}: ")
    offline = {**hub_env("http://127.0.0.1:9", tmp_path), "HF_HUB_OFFLINE": "1"}
    result = cli(["translate", str(src), "--model", "org/model", "-q", "--beam-size", "1"], env=offline, timeout=120)
    assert result.returncode == 0 and result.stdout.count(b"\n") == 1, result.stderr.decode()


def test_a_truncated_download_in_the_cache_is_named(tiny_marian_dir, tmp_path):
    with fake_hub("ok", tiny_marian_dir) as url:
        assert cli(["models", "download", "org/model"], env=hub_env(url, tmp_path), timeout=120).returncode == 0
    blob = next(p for p in (tmp_path / "hf" / "hub").rglob("model.safetensors"))
    real = blob.resolve()
    real.write_bytes(real.read_bytes()[:1000])
    offline = {**hub_env("http://127.0.0.1:9", tmp_path), "HF_HUB_OFFLINE": "1"}
    result = cli(["translate", "-", "--model", "org/model"], env=offline, stdin=AR.encode(), timeout=120)
    check_failure(result.returncode, result.stderr.decode(), 2,
                  r"model 'org/model' cannot be used \(the cached copy is broken: model\.safetensors is truncated.*"
                  r"Fix: delete .*models--org--model and run `mtbrief models download org/model` again")


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_hub_timeout_is_named(tmp_path, value):
    env = {**hub_env(closed_port(), tmp_path), "MTBRIEF_HUB_TIMEOUT": value}
    result = cli(["models", "download", "org/model"], env=env, timeout=BOUND)
    check_failure(result.returncode, result.stderr.decode(), 2,
                  rf"invalid MTBRIEF_HUB_TIMEOUT '{value}': choose one of a number of seconds > 0")
