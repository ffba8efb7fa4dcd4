"""Property-based API testing: schemathesis generates requests from /openapi.json; no answer may be a 5xx.

schemathesis' own pytest loader (`from_fixture`) reads a node attribute pytest 9 removed, so each operation's
Hypothesis strategy is driven here directly.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from mt.server.limits import ServerSettings  # noqa: E402

POSTS = ["/translate", "/detect", "/brief", "/digest", "/suggest"]
GETS = ["/languages", "/health", "/frontend/settings", "/download_file/{name}"]
MEDIA = ["application/json", "application/x-www-form-urlencoded"]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@pytest.fixture(scope="module")
def api_schema(tiny_translator, tmp_path_factory):
    """The whole server's OpenAPI document, called in-process (ASGI) on the tiny model (suggestions on)."""
    from mt.memory.store import MemoryStore
    from ui import create_app

    memory = MemoryStore(tmp_path_factory.mktemp("memory") / "memory.sqlite", max_chars=400)
    app = create_app(tiny_translator.with_options(memory=memory),
                     ServerSettings(char_limit=400, batch_limit=8, suggestions=True))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def checks() -> list:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance]


def drive(strategy, examples: int = 25) -> None:
    """Run `examples` generated cases of a strategy, each called and checked."""
    checks_ = checks()

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(checks=checks_)

    run()


def test_every_operation_is_covered(api_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == {("POST", p) for p in [*POSTS, "/translate_file"]} | {("GET", p) for p in GETS}


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("media_type", MEDIA, ids=["json", "form"])
@pytest.mark.parametrize("path", POSTS)
def test_posts_never_5xx(api_schema, path, media_type, mode):
    drive(api_schema[path]["POST"].as_strategy(mode, media_type=media_type))


@pytest.mark.parametrize("path", GETS)
def test_gets_never_5xx(api_schema, path):
    drive(api_schema[path]["GET"].as_strategy(), examples=5)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_translate_file_never_5xx(api_schema, mode):
    drive(api_schema["/translate_file"]["POST"].as_strategy(mode, media_type="multipart/form-data"), examples=15)
