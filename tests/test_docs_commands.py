"""The documentation stays true: every shell command of the README, docs/ and eval/README.md runs here, offline,
with the tiny random-weight model, in a folder holding the files the examples name — or is listed below with the
reason it cannot run here. A command in neither place cannot exist: each one is a test item that either runs or
skips with its listed reason. The README stays under 300 lines and every relative link points at a file (and
heading) that exists."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docs_pages import ROOT, anchors, commands, links, pages
from documents_samples import docx_bytes, pdf_bytes
from servers import wait_until_healthy

from eval.shared_data import SHARED_DATA
from eval.speed.load import free_port

INSTALLS = "installs packages from the network (bash .ci/run does it on a clean clone)"
SERVES = "a server runs until stopped: the curl examples run against the `mtbrief serve` this test starts"
HUB = "downloads a real model from the Hugging Face hub (no network here)"
SUITE = "runs the test suite, of which this test is part"
CONTAINER = "builds or runs the image with docker, which has no daemon here (tests/test_container.py runs the image)"
FEEDS = ("follows live news feeds over the network every 10 minutes until stopped (tests/test_monitor_run.py runs "
         "`monitor run` on feeds served from 127.0.0.1)")
STORE = ("reads the store a `monitor run` over live feeds filled (tests/test_monitor.py, test_hostile_monitor.py "
         "run every view on a replayed store)")
# Commands that are not run, and why. Nothing else may be left out.
SKIPPED = {
    'python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e ".[test]" && '
    ".venv/bin/mtbrief brief seeds/aleppo-report.ar.txt": INSTALLS + "; its brief runs below",
    ".venv/bin/python -m pytest": SUITE,
    ".venv/bin/python -m pytest tests/test_brief.py -q": SUITE,
    '.venv/bin/python -m pytest -m "not slow and not browser" -q': SUITE,
    ".venv/bin/ruff check .": "lints the checkout: bash .ci/run runs it",
    "mtbrief monitor run --db monitor.sqlite --feeds feeds.txt --every 600": FEEDS,
    "mtbrief monitor run --db monitor.sqlite --feeds feeds.txt --every 600 --watch watch.txt": FEEDS,
    "mtbrief monitor stories --db monitor.sqlite --hours 24 --format atom -o stories.atom": STORE,
    "mtbrief monitor stories --db monitor.sqlite --hours 24 --format html -o today.html": STORE,
    "mtbrief monitor stories --db monitor.sqlite --since 2018-03-01 --until 2018-03-03 --format atom -o stories.atom":
        STORE,
    "mtbrief monitor search  --db monitor.sqlite الأردن --limit 20 --format json": STORE,
    "mtbrief monitor alerts  --db monitor.sqlite --since 2018-03-01 --format md": STORE,
    "mtbrief monitor status  --db monitor.sqlite --format json": STORE,
    ".venv/bin/mypy": "type-checks the checkout (minutes): bash .ci/run runs it",
    "mtbrief serve": SERVES,
    "mtbrief serve --port 7860": SERVES,
    "mtbrief serve --suggestions": SERVES + " (with --suggestions)",
    "mtbrief serve --model opus-mt-ar-en --host 0.0.0.0 --port 8080 --api-keys keys.txt --requests-per-minute 60 "
    "--queue-limit 4096": SERVES + "; and --model opus-mt-ar-en " + HUB.replace("downloads", "would download"),
    "mtbrief models download opus-mt-tc-big-ar-en": HUB,
    "mtbrief models convert opus-mt-tc-big-ar-en --compute-type int8": HUB + " before converting it",
    "mtbrief eval --src arb_Arab.devtest --ref eng_Latn.devtest --model opus-mt-tc-big-ar-en":
        HUB + "; FLORES-200 devtest is not in ../shared",
    "mtbrief eval --src arb_Arab.devtest --ref eng_Latn.devtest --model nllb-200-distilled-600M":
        HUB + "; FLORES-200 devtest is not in ../shared",
    "mtbrief bench --shapes base,big --sentences 500":
        "a long run: builds models of the real shapes and decodes 500 sentences with each engine (tests/test_bench.py "
        "runs the benchmark small)",
    "python -m eval.speed.sweep": "a long run: builds a model of the real shape and decodes folders of news with every "
                                  "setting (tests/test_machine.py and tests/test_packs.py test its parts)",
    "python -m eval.speed.sweep --short 24 --long 3 --rounds 3": "a long run, as above",
    ".venv/bin/python eval/speed/monitor_replay.py --days 10 --sizes 200,2000,20000":
        "a long run: replays ten days of feeds hour by hour, then stores of up to 20,000 reports "
        "(tests/test_monitor_replay_eval.py tests its parts)",
    'pip install "ray[data]"': INSTALLS,
    "docker build -t mtbrief . && docker run -d --name mtbrief -p 7860:7860 -v mtbrief-data:/data "
    "mtbrief": CONTAINER,
    "docker run -d -p 7860:7860 -v mtbrief-data:/data -e MTBRIEF_API_KEYS=key1,key2 mtbrief serve --host "
    "0.0.0.0 --port 7860 --suggestions": CONTAINER,
    "docker run -d -p 7860:7860 -v mtbrief-data:/data -e MTBRIEF_MODEL=opus-mt-ar-en mtbrief": CONTAINER,
    "docker run --rm -i -v mtbrief-data:/data mtbrief translate < report.ar.txt > report.en.txt": CONTAINER,
    "docker exec mtbrief mtbrief models list": CONTAINER,
    "docker compose up -d": CONTAINER,
    "docker compose logs -f": CONTAINER,
    "git pull && docker build -t mtbrief . && docker rm -f mtbrief && docker run -d --name mtbrief -p "
    "7860:7860 -v mtbrief-data:/data mtbrief": CONTAINER,
    "git pull && docker compose up -d --build": CONTAINER,
    "docker save mtbrief | gzip > mtbrief.tar.gz": CONTAINER,
    "docker load < mtbrief.tar.gz": CONTAINER,
    "docker build -t mtbrief:gpu --build-arg BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 .": CONTAINER,
    "docker run -d --gpus all -p 7860:7860 -v mtbrief-data:/data mtbrief:gpu serve --host 0.0.0.0 --port "
    "7860 --compute-type float16": CONTAINER,
    "python eval/speed/container_start.py": "a long run: builds the image and starts containers and servers (minutes)",
    "ray start --head --port=6379": "starts a Ray cluster's head node that runs until stopped",
    "ray start --address=HEAD_IP:6379": "joins a Ray cluster (HEAD_IP is the reader's head node)",
    "mtbrief translate /shared/news -o /shared/news-en --recursive --engine ray --ray-address auto --ray-actors 8 "
    "--ray-cpus-per-actor 4 --ray-batch-size 8":
        "needs a running Ray cluster and /shared/news (tests/test_batch_ray.py runs the Ray engine locally)",
}
# Commands that read data from ../shared/data: run when it is there, skipped saying what is missing otherwise.
NEEDS_SHARED = {
    "mtbrief eval --suite flores200-dev --limit 20 -o results/": "flores200-dev",
    "mtbrief eval --suite flores200-dev --limit 20 --document-mode -o results/": "flores200-dev",
    "python eval/translation/splitter_recall.py --out results/": "flores200-dev",
}
# Commands documented to fail, with the exit code the documentation gives.
EXIT = {"mtbrief translate missing.txt -o missing.en.txt": 2}

REPORT = "قال ناشطون إن قوات المعارضة صدت هجوما على حي الصاخور في حلب.\nوأضافوا أن القصف أدى إلى مقتل 24 شخصا.\n"
LINES = ["قتل 24 شخصا في القصف.", "وصلت المساعدات إلى حلب.", "قال المسؤول إن الوضع صعب جدا."]
REFS = ["24 people were killed in the shelling.", "Aid arrived in Aleppo.", "The official said the situation is hard."]
DAY = [{"id": f"r{i}", "title": title, "source": source, "time": f"2018-03-01T0{i}:00:00", "text": text}
       for i, (title, source, text) in enumerate([
           ("قصف على حلب", "alpha", "قتل 24 شخصا في قصف على حلب. وقال ناشطون إن القصف استهدف سوقا شعبية."),
           ("قتلى في حلب", "beta", "قتل 31 شخصا في قصف على حلب. وأضاف المرصد أن بين القتلى أطفالا."),
           ("انتخابات في مصر", "gamma", "بدأت الانتخابات في مصر صباح اليوم. وقالت اللجنة إن الإقبال كبير.")])]
TMX = ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="cat" creationtoolversion="1" '
       'segtype="sentence" o-tmf="cat" adminlang="en" srclang="ar" datatype="plaintext"/><body><tu>'
       '<tuv xml:lang="ar"><seg>قال ناشطون إن قوات المعارضة صدت هجوما.</seg></tuv>'
       '<tuv xml:lang="en"><seg>Activists said opposition forces repelled an attack.</seg></tuv></tu></body></tmx>\n')


def documented() -> list[tuple[str, str]]:
    """(page, command) for every distinct command of the documentation, in reading order."""
    seen: dict[str, str] = {}
    for page in pages():
        for command in commands(page.read_text(encoding="utf-8")):
            seen.setdefault(command, str(page.relative_to(ROOT)))
    return [(page, command) for command, page in seen.items()]


def write_workspace(folder: Path) -> None:
    """The files the documentation's examples name."""
    files = {
        "report.ar.txt": REPORT, "a.txt": LINES[0] + "\n", "b.txt": LINES[1] + "\n",
        "test.ar": "\n".join(LINES) + "\n", "test.en": "\n".join(REFS) + "\n",
        "system-a.en": "\n".join(REFS) + "\n", "system-b.en": "\n".join(REFS[:2] + ["The official said so."]) + "\n",
        "glossary.tsv": "# Arabic\tEnglish\tnote\nالصاخور\tal-Sakhour\tAleppo district\nحلب\tAleppo\n",
        "day.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in DAY),
        "reports/one.txt": DAY[0]["text"] + "\n", "reports/two.txt": DAY[1]["text"] + "\n",
        "news/a.txt": LINES[0] + "\n", "news/more/b.txt": LINES[1] + "\n",
        "feeds/day.jsonl": "".join(json.dumps({"id": r["id"], "body": r["text"]}, ensure_ascii=False) + "\n"
                                   for r in DAY),
        "page.html": f'<html lang="ar" dir="rtl"><body><h1>{DAY[0]["title"]}</h1><p>{LINES[0]}</p></body></html>\n',
        "from-cat-tool.tmx": TMX,
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "report.docx").write_bytes(docx_bytes())
    (folder / "more.docx").write_bytes(docx_bytes())
    (folder / "report.pdf").write_bytes(pdf_bytes())
    (folder / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "aleppo-report.ar.txt", folder / "seeds")
    (folder / "eval").symlink_to(ROOT / "eval")  # `python eval/...` as from the checkout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tiny_model_env) -> tuple[Path, dict[str, str]]:
    """(folder, environment): the example files, `mtbrief` and `python` on the PATH, the tiny model as default."""
    folder = tmp_path_factory.mktemp("docs")
    write_workspace(folder)
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "mtbrief").exists():  # pytest run by a Python whose scripts are elsewhere
        bin_dir = folder / ".bin"
        bin_dir.mkdir()
        (bin_dir / "mtbrief").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mt.cli "$@"\n')
        (bin_dir / "mtbrief").chmod(0o755)
        (bin_dir / "python").symlink_to(sys.executable)
    env = {**tiny_model_env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT), "MTBRIEF_MEMORY": str(folder / "memory.sqlite"), "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    return folder, env


@pytest.fixture(scope="module")
def server(workspace):
    """The port of an `mtbrief serve --suggestions` on the tiny model, started in the workspace for the curl lines."""
    folder, env = workspace
    port, log = free_port(), folder / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "mt.cli", "serve", "--port", str(port), "--suggestions"],
                                stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=folder)
    wait_until_healthy(port, proc, log, 240)
    yield port
    proc.terminate()
    proc.wait(60)
    assert "Traceback" not in log.read_text(), log.read_text()


def outputs(command: str) -> list[str]:
    """The paths a command is told to write with -o."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-o", "--output", "--out")
            and "*" not in words[i + 1]]


@pytest.mark.slow
@pytest.mark.parametrize(("page", "command"), documented(), ids=[f"{p}: {c[:60]}" for p, c in documented()])
def test_documented_command_runs(page, command, request):
    if command in SKIPPED:
        pytest.skip(f"not run: {SKIPPED[command]}")
    if command in NEEDS_SHARED and not (SHARED_DATA / NEEDS_SHARED[command]).is_dir():
        pytest.skip(f"needs {SHARED_DATA / NEEDS_SHARED[command]}, which is absent")
    folder, env = request.getfixturevalue("workspace")
    if command.startswith("curl "):
        port = request.getfixturevalue("server")
        command = command.replace("localhost:7860", f"127.0.0.1:{port}").replace(":7860/", f":{port}/")
    done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    report = f"{page}: {command}\nexit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-3000:]}"
    assert done.returncode == EXIT.get(command, 0), report
    assert "Traceback" not in done.stderr, report
    if command in EXIT:
        assert [line for line in done.stderr.splitlines() if line.strip()][-1].startswith("mtbrief: error: "), report
        return
    for path in outputs(command):
        assert (folder / path).exists(), f"{path} was not written\n{report}"
    if command.startswith("curl "):
        answer = json.loads(done.stdout)
        assert not (isinstance(answer, dict) and "error" in answer), report


def test_every_listed_command_is_documented():
    """The tables above name only commands the documentation still has (a stale entry would hide nothing)."""
    present = {command for _, command in documented()}
    stale = [c for c in [*SKIPPED, *NEEDS_SHARED, *EXIT] if c not in present]
    assert stale == []


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines; move details into docs/"


# Pages other branches are writing; their links may point nowhere until those land (and are checked once they do).
PENDING = {"docs/monitor.md": "issue 26 (mtbrief monitor)"}


def broken_links(page: Path) -> list[str]:
    """The relative links of a page whose file, or heading, does not exist."""
    broken = []
    for target in links(page.read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        name = str(file.relative_to(ROOT)) if file.is_relative_to(ROOT) else str(file)
        if not file.exists():
            if name not in PENDING:
                broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_and_headings(page):
    assert broken_links(page) == []


@pytest.mark.parametrize(("markdown", "expected"), [
    ("```bash\nmtbrief translate a.txt   # a comment\n```\n", ["mtbrief translate a.txt"]),
    ("```bash\nmtbrief serve \\\n    --port 8080 \\\n    -q\n```\n", ["mtbrief serve --port 8080 -q"]),
    ("```bash\ncurl -d '{\"q\": \"# no comment\"}' x  # comment\n```\n", ["curl -d '{\"q\": \"# no comment\"}' x"]),
    ("```bash\n# only a comment\n\n```\n", []),
    ("```text\nmtbrief translate a.txt\n```\n```python\nx = 1\n```\n", []),
    ("````markdown\n```bash\nnot a command\n```\n````\n", []),
    ("prose `mtbrief brief x` and\n```bash\ncat a#b\n```\n", ["cat a#b"]),
    ("", []),
])
def test_commands_are_read_from_bash_blocks(markdown, expected):
    assert commands(markdown) == expected


def test_a_broken_link_or_heading_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# Title\n\n## The engines: speed (`bench`)\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md) [ok](there.md#the-engines-speed-bench) [web](https://x.org/none.md)\n"
                    "[gone](gone.md) [bad anchor](there.md#nowhere) `[code](gone.md)` [self](#title)\n\n# Title\n",
                    encoding="utf-8")
    assert broken_links(page) == ["gone.md", "there.md#nowhere"]
