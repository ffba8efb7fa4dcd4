"""POST /suggest (LibreTranslate's) into the corrections memory, /frontend/settings, the glossary field of
/translate and /brief, and the UI's "Save corrections"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mt.memory.store import MemoryStore
from mt.server.app import create_api
from mt.server.limits import ServerSettings

SENTENCE = "قال ناشطون إن قوات المعارضة صدت هجوما."
CORRECTED = "Activists said opposition forces repelled an attack."


@pytest.fixture
def memory_path(tmp_path):
    return tmp_path / "memory.sqlite"


def client(tiny_translator, memory_path, **settings) -> TestClient:
    """A fresh app (as after a restart) over the memory file."""
    translator = tiny_translator.with_options(memory=MemoryStore(memory_path, settings.get("char_limit", 20_000)))
    return TestClient(create_api(translator, ServerSettings(**settings)))


def test_suggestions_are_off_by_default(tiny_translator, memory_path):
    api = client(tiny_translator, memory_path)
    response = api.post("/suggest", json={"q": SENTENCE, "s": CORRECTED, "source": "ar", "target": "en"})
    assert response.status_code == 403
    assert response.json() == {"error": "Suggestions are disabled on this server: start it with "
                                        "`mtbrief serve --suggestions` to enable them"}
    assert api.get("/frontend/settings").json()["suggestions"] is False
    assert not memory_path.exists()


def test_a_suggestion_is_used_verbatim_and_survives_a_restart(tiny_translator, memory_path):
    api = client(tiny_translator, memory_path, suggestions=True)
    assert api.get("/frontend/settings").json() | {"language": None} == {
        "charLimit": 20_000, "suggestions": True, "filesTranslation": True, "fileSizeLimit": 10,
        "supportedFilesFormat": [".docx", ".pptx", ".odt", ".odp", ".html", ".htm", ".xhtml", ".epub", ".srt",
                                 ".pdf", ".txt", ".md"],
        "keyRequired": False, "apiKeys": False, "frontendTimeout": 500, "language": None}
    before = api.post("/translate", json={"q": SENTENCE}).json()["translatedText"]
    assert before != CORRECTED
    # a form post, as LibreTranslate's front end sends it
    response = api.post("/suggest", data={"q": SENTENCE, "s": CORRECTED, "source": "ar", "target": "en"})
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.post("/translate", json={"q": SENTENCE}).json()["translatedText"] == CORRECTED
    restarted = client(tiny_translator, memory_path)  # a new app over the same file, suggestions off
    assert restarted.post("/translate", json={"q": [SENTENCE, f"{SENTENCE} {SENTENCE}"]}).json() == {
        "translatedText": [CORRECTED, f"{CORRECTED} {CORRECTED}"]}


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"q": "Only English here.", "s": "x"}, 400,
     "Invalid request: q has no Arabic text; suggest a correction of an Arabic sentence"),
    ({"q": SENTENCE, "s": "  "}, 400, "Invalid request: missing s parameter (the corrected English)"),
    ({"q": SENTENCE}, 400, "Invalid request: missing s parameter"),
    ({"s": CORRECTED}, 400, "Invalid request: missing q parameter"),
    ({"q": f"{SENTENCE} {SENTENCE}", "s": "x"}, 400, "Invalid request: q holds 2 sentences; the memory keeps "
     "corrections per sentence, so suggest one sentence (and its English) at a time"),
    ({"q": SENTENCE, "s": "x" * 301}, 413, "Request too large: s has 301 characters, the limit is 300 characters"),
    ({"q": "ح" * 301, "s": "x"}, 413, "Request too large: 301 characters, the limit is 300 characters"),
    ({"q": SENTENCE, "s": "x", "target": "fr"}, 400, "Unsupported language pair 'ar' -> 'fr': this server "
     "translates Arabic to English only: use source 'ar' (or 'auto') and target 'en'"),
])
def test_bad_suggestions(tiny_translator, memory_path, body, status, error):
    api = client(tiny_translator, memory_path, suggestions=True, char_limit=300)
    response = api.post("/suggest", json=body)
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert MemoryStore(memory_path).count() == 0


def test_suggest_obeys_keys_and_rate(tiny_translator, memory_path):
    api = client(tiny_translator, memory_path, suggestions=True, api_keys=frozenset({"k1"}), requests_per_minute=2)
    body = {"q": SENTENCE, "s": CORRECTED}
    assert api.post("/suggest", json=body).status_code == 403
    assert api.post("/suggest", json=body | {"api_key": "nope"}).status_code == 403
    assert api.post("/suggest", json=body | {"api_key": "k1"}).json() == {"success": True}
    assert api.post("/suggest", json=body | {"api_key": "k1"}).status_code == 200
    limited = api.post("/suggest", json=body | {"api_key": "k1"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert api.get("/frontend/settings").json()["keyRequired"] is True


def test_suggestions_need_the_memory(tiny_translator):
    from mt.errors import MtbriefError

    with pytest.raises(MtbriefError, match="--suggestions stores corrections in the memory: drop --no-memory"):
        create_api(tiny_translator, ServerSettings(suggestions=True))


# -- glossary on the API --------------------------------------------------------------------------------------

def test_translate_and_brief_take_a_glossary(tiny_translator):
    from ui import create_app

    api = TestClient(create_app(tiny_translator, ServerSettings()))
    text = "قصفت الطائرات مدينة حلب."
    plain = api.post("/translate", json={"q": text}).json()
    steered = api.post("/translate", json={"q": text, "glossary": [["حلب", "Aleppo", "city"]]}).json()
    [seg] = tiny_translator.prepare(text)
    wide_best = tiny_translator.widened(8).translate_inputs([seg.mt_input])[0][0]
    # no hypothesis of the random model says "Aleppo": the 8-best's best, never an edited English
    assert steered["translatedText"] == wide_best != "Aleppo"
    assert plain["translatedText"] == tiny_translator.translate(text).text
    brief = api.post("/brief", json={"q": text, "glossary": [["حلب", "Aleppo"]]}).json()
    flags = [f for p in [brief["headline"], *brief["points"]] if p for f in p["qe"]["flags"]]
    assert {(f["kind"], f["detail"]["english"]) for f in flags if f["kind"] == "term"} == {("term", "Aleppo")}
    for bad, error in (([["حلب"]], "glossary.0: List should have at least 2 items"),
                       ([["Aleppo", "حلب"]], "glossary: term 'Aleppo': the first column must be the Arabic term")):
        response = api.post("/translate", json={"q": text, "glossary": bad})
        assert response.status_code == 400 and error in response.json()["error"]


# -- the UI -------------------------------------------------------------------------------------------------

def test_ui_save_corrections_stores_and_rerenders(tiny_translator, memory_path):
    import gradio as gr

    import ui

    translator = tiny_translator.with_options(memory=MemoryStore(memory_path))
    text = f"{SENTENCE} وقتلت عددا من الجنود.\n\nحلب"
    first = ui.run_translation(translator, text, 20_000)
    rows = [list(r) for r in first.rows]
    rows[1][2] = "  And killed a number of soldiers.  "
    second = ui.save_corrections(translator, first.translation, rows)
    assert second.rows[1][2] == "And killed a number of soldiers."
    assert "from the corrections memory" in second.rows[1][3]
    assert [r[2] for r in second.rows[::2]] == [r[2] for r in first.rows[::2]]  # the others unchanged
    assert "And killed a number of soldiers." in second.english
    assert second.translation.segments[1].origin == "memory"
    assert MemoryStore(memory_path).count() == 1
    again = ui.run_translation(translator, text, 20_000)  # later translations use it too
    assert again.rows[1][2] == "And killed a number of soldiers."
    with pytest.raises(gr.Error, match="the table has 2 rows for 3 sentences"):
        ui.save_corrections(translator, first.translation, rows[:2])
    with pytest.raises(gr.Error, match="Translate a text first"):
        ui.save_corrections(translator, None, rows)
    with pytest.raises(gr.Error, match="corrections memory is off"):
        ui.save_corrections(tiny_translator, first.translation, rows)
