"""The container image (Dockerfile): built with podman or docker, run on a named volume holding a tiny model.

It serves /health and /translate, runs as a non-root user, passes its own HEALTHCHECK, stops cleanly on SIGTERM
within 10 s, and a second container on the same volume finds the first one's corrections memory and its
CTranslate2 conversion. Skipped, saying why, where no engine can build (MTBRIEF_REQUIRE_CONTAINER=1, as in
`.ci/run`, makes that a failure). compose.yaml's two services are run by hand with its commands and its health
check (the monitor, then `serve --monitor` on the same volume), as no compose tool is installed here; its
commands are also parsed by `mtbrief`'s own parser without any engine.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from eval.speed import container as c

TAG = "localhost/mtbrief:test"
MODEL = "/data/models/tiny"
SENTENCE = "قال ناشطون إن قوات المعارضة صدت هجوما."
CORRECTED = "Activists said opposition forces repelled an attack."
SIGTERM_LIMIT_S = 10


def unavailable(why: str) -> None:
    """Skip, or fail where the container test is required (CI)."""
    if os.environ.get("MTBRIEF_REQUIRE_CONTAINER"):
        pytest.fail(f"MTBRIEF_REQUIRE_CONTAINER is set but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> c.Engine:
    try:
        return c.find_engine(tmp_path_factory.mktemp("engine"))
    except c.Unavailable as exc:
        unavailable(str(exc))
        raise


@pytest.fixture(scope="module")
def image(engine: c.Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image, built from the working tree (layers cached between runs, so the image is kept)."""
    log = tmp_path_factory.mktemp("build") / "build.log"
    try:
        base = c.base_image(engine, log)
    except c.Unavailable as exc:
        unavailable(str(exc))
    c.build_image(engine, TAG, base, log)
    return TAG


@pytest.fixture(scope="module")
def volume(engine: c.Engine, image: str, tiny_marian_dir: Path) -> Iterator[str]:
    """A fresh named volume with the tiny model copied in at /data/models/tiny."""
    name = f"mtbrief-test-{uuid.uuid4().hex[:8]}"
    engine("volume", "create", name)
    try:
        c.copy_into_volume(engine, image, name, tiny_marian_dir, MODEL)
        yield name
    finally:
        c.remove(engine, volumes=(name,))


def healthcheck(engine: c.Engine, image: str) -> list[str]:
    """The command of the image's HEALTHCHECK (podman keeps it beside the config, docker inside it)."""
    found = json.loads(engine("image", "inspect", image).stdout)[0]
    check = found.get("Healthcheck") or found["Config"]["Healthcheck"]
    assert check["Test"][0] == "CMD"
    return check["Test"][1:]


def run_server(engine: c.Engine, image: str, volume: str, name: str, *command: str) -> int:
    """Start a server container on the volume with the tiny model; its port once /health answers."""
    port = c.start(engine, image, name, volume, *command, env={"MTBRIEF_MODEL": MODEL, "HF_HUB_OFFLINE": "1"})
    c.wait_healthy(engine, name, port)
    return port


def conversions(engine: c.Engine, image: str, volume: str) -> list[str]:
    """Every converted model in the volume, with its inode and modification time (a reconversion changes them)."""
    found = engine("run", "--rm", "-v", f"{volume}:/data", "--entrypoint", "find", image, "/data/mtbrief/ct2",
                   "-name", "model.bin", "-printf", "%p %i %T@\n")
    return sorted(found.stdout.splitlines())


def stopped(engine: c.Engine, name: str) -> dict:
    """SIGTERM the container and wait for it (at most the limit): seconds, exit status and its logs."""
    seconds, final = c.terminate(engine, name, SIGTERM_LIMIT_S)
    return {"seconds": seconds, "exit": (final["ExitCode"], final["OOMKilled"]), "logs": c.logs(engine, name)}


@pytest.fixture(scope="module")
def first(engine: c.Engine, image: str, volume: str) -> Iterator[dict]:
    """A first server on the volume (with --suggestions): what it answered, then how it stopped on SIGTERM."""
    name = f"mtbrief-test-{uuid.uuid4().hex[:8]}"
    try:
        port = run_server(engine, image, volume, name, "serve", "--host", "0.0.0.0", "--port", "7860",
                          "--suggestions")
        seen = {"health": c.call(port, "/health"),
                "translation": c.call(port, "/translate", {"q": SENTENCE, "source": "ar", "target": "en"}),
                "status": engine("exec", name, "cat", "/proc/1/status").stdout,
                "healthcheck": engine("exec", name, *healthcheck(engine, image), check=False).returncode,
                "suggest": c.call(port, "/suggest", {"q": SENTENCE, "s": CORRECTED, "source": "ar", "target": "en"})}
        yield {**seen, "stop": stopped(engine, name), "conversions": conversions(engine, image, volume)}
    finally:
        c.remove(engine, name)


@pytest.mark.slow
def test_the_image_runs_as_a_non_root_user_with_its_volume_and_defaults(engine, image):
    config = json.loads(engine("image", "inspect", "--format", "{{json .Config}}", image).stdout)
    assert (config["User"], config["Entrypoint"], config["Cmd"]) == (
        "mtbrief", ["mtbrief"], ["serve", "--host", "0.0.0.0", "--port", "7860"])
    assert list(config["Volumes"]) == ["/data"] and list(config["ExposedPorts"]) == ["7860/tcp"]
    env = dict(line.split("=", 1) for line in config["Env"])
    assert {k: env[k] for k in ("HF_HOME", "MTBRIEF_CACHE", "MTBRIEF_MEMORY")} == {
        "HF_HOME": "/data/huggingface", "MTBRIEF_CACHE": "/data/mtbrief", "MTBRIEF_MEMORY": "/data/memory.sqlite"}
    assert healthcheck(engine, image)[-1].endswith("urlopen('http://127.0.0.1:7860/health', timeout=4)")
    torch = engine("run", "--rm", "--entrypoint", "python", image, "-c",
                   "import torch; print(torch.__version__, torch.version.cuda)").stdout.split()
    assert torch == ["2.13.0+cpu", "None"]  # the CPU build, never CUDA's


@pytest.mark.slow
def test_health_answers_for_the_model_in_the_volume(first):
    assert {k: first["health"][k] for k in ("model", "engine", "device", "compute_type", "ready")} == {
        "model": MODEL, "engine": "ctranslate2", "device": "cpu", "compute_type": "int8", "ready": True}
    assert first["healthcheck"] == 0  # the image's own HEALTHCHECK passes


@pytest.mark.slow
def test_translate_gives_what_the_same_model_gives_outside_the_container(first, tiny_translator):
    expected = tiny_translator.translate(SENTENCE).text  # same tiny model, same engine and options, on the host
    assert first["translation"] == {"translatedText": expected}
    assert expected != CORRECTED


@pytest.mark.slow
def test_the_server_process_is_not_root(first):
    ids = [line.split()[1:] for line in first["status"].splitlines() if line.startswith(("Uid:", "Gid:"))]
    assert ids == [[str(c.USER_ID)] * 4] * 2  # real, effective, saved and filesystem user and group of PID 1


@pytest.mark.slow
def test_sigterm_stops_it_cleanly_within_10_s(first):
    assert first["stop"]["seconds"] < SIGTERM_LIMIT_S
    # 143: the exit status of a command ended by SIGTERM (mt.guard); 137 would mean it had to be killed
    assert first["stop"]["exit"] == (143, False), first["stop"]["logs"]
    assert "Traceback" not in first["stop"]["logs"]


@pytest.mark.slow
def test_a_second_container_finds_the_memory_and_the_converted_model(engine, image, volume, first):
    assert first["suggest"] == {"success": True}
    assert len(first["conversions"]) == 1 and first["conversions"][0].startswith("/data/mtbrief/ct2/")
    name = f"mtbrief-test-{uuid.uuid4().hex[:8]}"
    try:
        port = run_server(engine, image, volume, name)  # the image's default command this time
        answer = c.call(port, "/translate", {"q": SENTENCE, "source": "ar", "target": "en"})
        stop = stopped(engine, name)
    finally:
        c.remove(engine, name)
    assert answer == {"translatedText": CORRECTED}  # the first container's correction, from the memory
    assert conversions(engine, image, volume) == first["conversions"]  # not converted again
    assert stop["exit"] == (143, False) and stop["seconds"] < SIGTERM_LIMIT_S, stop["logs"]



def wait_until(engine: c.Engine, name: str, check, what: str, timeout: float = 300):
    """Poll check() (every 0.2 s) until it gives something true; fail if the container exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert c.state(engine, name)["Running"], f"{name} exited before {what}:\n{c.logs(engine, name)}"
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s:\n{c.logs(engine, name)}"
        time.sleep(0.2)  # a poll interval: the loop ends on the event
    return found


@pytest.mark.slow
def test_the_compose_services_run_together_on_one_volume(engine, image, volume, tmp_path):
    """compose.yaml's wiring run by hand (no compose tool here): the monitor first, healthy by compose's check once
    its store exists; then serve --monitor on the same volume, whose live routes show what the monitor's pass made."""
    from monitor_helpers import small_replay

    services = yaml.safe_load((c.ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    replay, server, base = small_replay()  # five reports from two outlets, served on 127.0.0.1
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{base}/rss/alpha.xml alpha\n{base}/atom/beta.xml beta\n", encoding="utf-8")
    feeds.chmod(0o644)
    monitor, serve = (f"mtbrief-test-{uuid.uuid4().hex[:8]}" for _ in range(2))
    health = services["monitor"]["healthcheck"]["test"][1:]
    try:
        engine("run", "-d", "--name", monitor, "--network", "host", "-v", f"{volume}:/data",
               "-v", f"{feeds}:/feeds.txt:ro", f"--env=MTBRIEF_MODEL={MODEL}", "--env=HF_HUB_OFFLINE=1", image,
               *services["monitor"]["command"])
        wait_until(engine, monitor, lambda: engine("exec", monitor, *health, check=False).returncode == 0,
                   "the monitor's store")
        port = run_server(engine, image, volume, serve, *services["serve"]["command"])
        passed = wait_until(engine, monitor, lambda: [line for line in c.logs(engine, monitor).splitlines()
                                                      if line.startswith("mtbrief: pass at ")], "a pass")
        view, alerts = c.call(port, "/monitor/stories?hours=876000"), c.call(port, "/monitor/alerts")
        stops = {name: stopped(engine, name) for name in (serve, monitor)}
    finally:
        c.remove(engine, serve, monitor)
        server.shutdown()
    assert ": 2 feeds read (0 unchanged), 5 new reports, " in passed[0] and passed[0].endswith(", 0 problems")
    placed = [report for story in view["stories"] for report in story["reports"]]
    assert (view["reports"], len(placed), len(set(placed))) == (5, 5, 5)  # every report in one story
    assert {source for story in view["stories"] for source in story["sources"]} == {"alpha", "beta"}
    assert alerts == {"alerts": []}
    assert stops[serve]["exit"] == (143, False) and stops[monitor]["exit"] == (0, False), stops
    assert not any("Traceback" in stop["logs"] for stop in stops.values())


# -- without an engine: the build's command line and the compose file ----------------------------------------

@pytest.mark.parametrize(("name", "wheels", "cert", "index", "expected"), [
    ("podman", True, True, None,
     ["--format", "docker", "-v", "{wheels}:/wheels:ro", "--build-arg", "TORCH_WHEELS=/wheels",
      "--secret", "id=pip_cert,src={cert}", "--build-arg", "PIP_CERT=/run/secrets/pip_cert"]),
    ("podman", False, False, "https://mirror.example/simple",
     ["--format", "docker", "--build-arg", "PIP_INDEX_URL=https://mirror.example/simple"]),
    ("docker", True, True, None,  # docker cannot mount a folder into a build: torch from the index
     ["--secret", "id=pip_cert,src={cert}", "--build-arg", "PIP_CERT=/run/secrets/pip_cert"]),
    ("docker", False, False, None, []),
])
def test_the_build_command_line(tmp_path, monkeypatch, name, wheels, cert, index, expected):
    folder, bundle = tmp_path / "wheels", tmp_path / "ca.pem"
    folder.mkdir()
    if wheels:
        (folder / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    monkeypatch.setenv("MTBRIEF_TORCH_WHEELS", str(folder))
    for var, value in (("PIP_CERT", str(bundle) if cert else None), ("PIP_INDEX_URL", index)):
        if value:
            monkeypatch.setenv(var, value)
        else:
            monkeypatch.delenv(var, raising=False)
    args = c.build_args(c.Engine(name), "localhost/mtbrief:x", "debian:base")
    assert args == ["build", "--network", "host", "-t", "localhost/mtbrief:x", "--build-arg", "BASE=debian:base",
                    *[a.format(wheels=folder, cert=bundle) for a in expected], str(c.ROOT)]


def test_compose_runs_serve_and_the_monitor_on_one_volume():
    from mt.cli import build_parser

    compose = yaml.safe_load((c.ROOT / "compose.yaml").read_text(encoding="utf-8"))
    serve, monitor = compose["services"]["serve"], compose["services"]["monitor"]
    assert serve["command"] == ["serve", "--host", "0.0.0.0", "--port", "7860", "--monitor", "/data/monitor.db"]
    assert monitor["command"] == ["monitor", "run", "--db", "/data/monitor.db", "--feeds", "/feeds.txt",
                                  "--every", "600"]
    # the image's entry point is `mtbrief`: both commands must still be what today's command line accepts
    served, followed = (build_parser().parse_args(service["command"]) for service in (serve, monitor))
    assert (served.host, served.port, served.monitor) == ("0.0.0.0", 7860, "/data/monitor.db")
    assert (followed.db, followed.feeds, followed.every, followed.once) == (
        "/data/monitor.db", "/feeds.txt", 600, False)
    assert serve["image"] == monitor["image"] == "mtbrief:latest" and serve["build"] == monitor["build"]
    assert serve["volumes"][0] == monitor["volumes"][0] == "mtbrief-data:/data"
    assert monitor["volumes"][1] == {"type": "bind", "source": "./feeds.txt", "target": "/feeds.txt",
                                     "read_only": True, "bind": {"create_host_path": False}}
    # `serve --monitor` refuses a store that does not exist yet: it waits until `monitor run` has made it
    assert serve["depends_on"] == {"monitor": {"condition": "service_healthy"}}
    assert monitor["healthcheck"]["test"] == [
        "CMD", "python", "-c", "import os, sys; sys.exit(not os.path.isfile('/data/monitor.db'))"]
    assert compose["volumes"] == {"mtbrief-data": {"name": "mtbrief-data"}}
