"""Building and running the mtbrief image with a container engine (podman, or docker with a running daemon), for
tests/test_container.py and eval/speed/container_start.py.

Some machines (CI's among them) cannot pull any image: the Dockerfile's base is a build argument, and
`base_image` builds one from Debian packages with mmdebstrap where none is there. Torch comes from a local
folder of wheels where one holds the pinned CPU wheel ($MTBRIEF_TORCH_WHEELS, default /opt/wheels; podman only,
which can mount it into the build), else from the Dockerfile's default index. A CA bundle ($PIP_CERT) reaches
the build as a secret; $PIP_INDEX_URL is passed on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BASE = "python:3.11-slim-bookworm"  # the Dockerfile's own default
DEBIAN_BASE = "localhost/debian-py:bookworm"  # built here from Debian packages when no base is there
TORCH_WHEEL = "torch-2.13.0+cpu-cp311-*.whl"  # Debian bookworm's python3 is 3.11
PORT = 7860
USER_ID = 10001  # the image's non-root user
# Podman's default raises the open-files and processes limits of every container, which a sandbox without
# CAP_SYS_RESOURCE (CI's) refuses: with none given, containers keep the limits they are started with.
CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"


class Unavailable(RuntimeError):
    """No engine here can build or run the image; the message says why."""


@dataclass(frozen=True)
class Engine:
    """A container engine: its command and the environment it runs in."""

    name: str  # podman | docker
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, timeout: float = 120, check: bool = True,
                 stdin: int | None = None) -> subprocess.CompletedProcess[str]:
        """Run `ENGINE ARGS`; with check, a failure raises RuntimeError carrying its output's end."""
        result = subprocess.run([self.name, *args], env=self.env or None, capture_output=True, text=True,
                                timeout=timeout, stdin=stdin)
        if check and result.returncode != 0:
            raise RuntimeError(f"{self.name} {' '.join(args)[:200]} exited {result.returncode}:\n"
                               f"{(result.stdout + result.stderr)[-3000:]}")
        return result

    def has_image(self, image: str) -> bool:
        """Whether the image is in the engine's local store."""
        return self("image", "inspect", image, check=False).returncode == 0


def find_engine(workdir: Path) -> Engine:
    """podman, else docker with a running daemon; Unavailable says why neither can build here."""
    problems = []
    if shutil.which("podman"):
        env = dict(os.environ)
        if "CONTAINERS_CONF" not in env:
            conf = workdir / "containers.conf"
            conf.write_text(CONTAINERS_CONF, encoding="utf-8")
            env["CONTAINERS_CONF"] = str(conf)
        engine = Engine("podman", env)
        info = engine("info", check=False, timeout=60)
        if info.returncode == 0:
            return engine
        problems.append(f"`podman info` failed: {info.stderr.strip()[-300:]}")
    else:
        problems.append("podman is not installed")
    if shutil.which("docker"):
        info = Engine("docker")("info", check=False, timeout=60)
        if info.returncode == 0:
            return Engine("docker")
        problems.append(f"`docker info` failed (no daemon?): {info.stderr.strip()[-300:]}")
    else:
        problems.append("docker is not installed")
    raise Unavailable("no container engine can build here: " + "; ".join(problems))


def base_image(engine: Engine, log_file: Path) -> str:
    """$MTBRIEF_CONTAINER_BASE, else the Dockerfile's default or a Debian base already there, else a Debian
    base built now with mmdebstrap (about 40 s); Unavailable where none can be had."""
    if chosen := os.environ.get("MTBRIEF_CONTAINER_BASE"):
        return chosen
    for image in (DEFAULT_BASE, DEBIAN_BASE):
        if engine.has_image(image):
            return image
    if not shutil.which("mmdebstrap"):
        raise Unavailable(f"no base image: neither {DEFAULT_BASE} nor {DEBIAN_BASE} is in {engine.name}'s store "
                          "and mmdebstrap (to build the second) is not installed; set MTBRIEF_CONTAINER_BASE")
    with log_file.open("ab") as log:
        debootstrap = subprocess.Popen(
            ["mmdebstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates", "bookworm", "-"],
            stdout=subprocess.PIPE, stderr=log)
        assert debootstrap.stdout is not None
        imported = subprocess.run([engine.name, "import", "-", DEBIAN_BASE], stdin=debootstrap.stdout,
                                  stdout=log, stderr=log, env=engine.env or None, timeout=900)
        debootstrap.stdout.close()
        if debootstrap.wait(timeout=900) != 0 or imported.returncode != 0:
            raise RuntimeError(f"building {DEBIAN_BASE} with mmdebstrap failed: see {log_file}")
    return DEBIAN_BASE


def torch_wheels() -> Path | None:
    """The folder holding the pinned torch CPU wheel ($MTBRIEF_TORCH_WHEELS, default /opt/wheels), if any."""
    folder = Path(os.environ.get("MTBRIEF_TORCH_WHEELS", "/opt/wheels"))
    return folder if folder.is_dir() and any(folder.glob(TORCH_WHEEL)) else None


def build_args(engine: Engine, tag: str, base: str) -> list[str]:
    """The `build` command line for the repository's Dockerfile."""
    args = ["build", "--network", "host", "-t", tag, "--build-arg", f"BASE={base}"]
    if engine.name == "podman":
        args += ["--format", "docker"]  # OCI images have no HEALTHCHECK
        if wheels := torch_wheels():
            args += ["-v", f"{wheels}:/wheels:ro", "--build-arg", "TORCH_WHEELS=/wheels"]
    cert = os.environ.get("PIP_CERT")
    if cert and Path(cert).is_file():
        args += ["--secret", f"id=pip_cert,src={cert}", "--build-arg", "PIP_CERT=/run/secrets/pip_cert"]
    if index := os.environ.get("PIP_INDEX_URL"):
        args += ["--build-arg", f"PIP_INDEX_URL={index}"]
    return [*args, str(ROOT)]


def build_image(engine: Engine, tag: str, base: str, log_file: Path, timeout: float = 1500) -> float:
    """Build the image (cached layers reused); seconds taken. The full output goes to log_file."""
    start = time.perf_counter()
    with log_file.open("ab") as log:
        done = subprocess.run(["nice", "-n", "10", engine.name, *build_args(engine, tag, base)], stdout=log,
                              stderr=subprocess.STDOUT, env=engine.env or None, timeout=timeout)
    if done.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"building the image failed (exit {done.returncode}); the end of {log_file}:\n{tail}")
    return time.perf_counter() - start


def copy_into_volume(engine: Engine, image: str, volume: str, folder: Path, dest: str) -> None:
    """Copy a model folder into the volume at dest (as the image's user), as the README shows: tar through stdin."""
    tar = subprocess.Popen(["tar", "-C", str(folder), "-c", "."], stdout=subprocess.PIPE)
    try:
        engine("run", "--rm", "-i", "-v", f"{volume}:/data", "--entrypoint", "sh", image,
               "-c", 'mkdir -p "$1" && tar -C "$1" -x', "sh", dest, stdin=tar.stdout.fileno() if tar.stdout else None)
    finally:
        if tar.stdout:
            tar.stdout.close()
        tar.wait(timeout=60)


def start(engine: Engine, image: str, name: str, volume: str, *command: str,
          env: dict[str, str] | None = None) -> int:
    """Start a detached container on the volume, its port 7860 published on a free port of 127.0.0.1 (returned)."""
    flags = [f"--env={key}={value}" for key, value in (env or {}).items()]
    engine("run", "-d", "--name", name, "-v", f"{volume}:/data", "-p", f"127.0.0.1::{PORT}", *flags, image,
           *command)
    mapped = engine("port", name, str(PORT)).stdout.split()[0]  # "127.0.0.1:43121"
    return int(mapped.rsplit(":", 1)[1])


def state(engine: Engine, name: str) -> dict:
    """The container's State (Running, ExitCode, OOMKilled, ...)."""
    return json.loads(engine("inspect", "--format", "{{json .State}}", name).stdout)


def wait_healthy(engine: Engine, name: str, port: int, timeout: float = 300) -> dict:
    """/health's JSON once it answers; RuntimeError (with the logs) if the container exits or time runs out."""
    def running() -> bool:
        return bool(state(engine, name).get("Running"))

    try:
        return first_answer(f"http://127.0.0.1:{port}/health", running, timeout)
    except RuntimeError as exc:
        raise RuntimeError(f"container {name}: {exc}\n{logs(engine, name)}") from None


def first_answer(url: str, alive: Callable[[], bool], timeout: float = 300) -> dict:
    """The JSON of the first 200 from url, asked every 0.1 s; RuntimeError if `alive()` turns false (asked every
    2 s only: it may cost CPU a starting server needs) or time runs out."""
    deadline = time.monotonic() + timeout
    checked = time.monotonic()
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet (a published port accepts before the server inside does)
        if time.monotonic() - checked > 2:
            checked = time.monotonic()
            if not alive():
                raise RuntimeError(f"exited before {url} answered")
        time.sleep(0.1)  # a poll interval, not a wait for something: the loop ends on the answer
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def logs(engine: Engine, name: str) -> str:
    """The container's output (stdout and stderr), its end."""
    result = engine("logs", name, check=False)
    return (result.stdout + result.stderr)[-4000:]


def terminate(engine: Engine, name: str, timeout: float = 10) -> tuple[float, dict]:
    """SIGTERM the container and wait for it to exit: (seconds it took, its final State). TimeoutError after
    timeout seconds (the container is then killed)."""
    start_time = time.perf_counter()
    engine("kill", "--signal", "TERM", name)
    try:
        engine("wait", name, timeout=timeout)
    except subprocess.TimeoutExpired:
        engine("kill", name, check=False)
        raise TimeoutError(f"{name} was still running {timeout:g} s after SIGTERM:\n{logs(engine, name)}") from None
    return time.perf_counter() - start_time, state(engine, name)


def remove(engine: Engine, *containers: str, volumes: tuple[str, ...] = ()) -> None:
    """Remove containers (running or not) and volumes, ignoring the ones already gone."""
    if containers:
        engine("rm", "-f", *containers, check=False, timeout=60)
    if volumes:
        engine("volume", "rm", "-f", *volumes, check=False, timeout=60)


def call(port: int, path: str, body: dict | None = None, timeout: float = 60) -> dict:
    """GET (or, with a body, POST as JSON) a path of the container's server; its JSON answer (HTTPError on a
    non-2xx status)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())
