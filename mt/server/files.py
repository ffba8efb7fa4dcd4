"""Documents over HTTP, as LibreTranslate serves them: POST /translate_file, GET /download_file/<name>.
Translated files live in a private temporary folder and expire."""

from __future__ import annotations

import mimetypes
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from mt.documents.base import SUPPORTED_SUFFIXES, DocumentError, supported_list
from mt.documents.core import load_document
from mt.server.schemas import ERROR_RESPONSES, ApiError

if TYPE_CHECKING:
    from mt.server.service import ApiService

DOWNLOAD_TTL = 30 * 60  # seconds a translated file can be downloaded
MAX_STORED = 256  # files kept at once; the oldest go first
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9._-]{1,120}$")


class TranslateFileResponse(BaseModel):
    """What POST /translate_file answers."""

    translatedFileUrl: str  # noqa: N815 - LibreTranslate's field name


class FileStore:
    """Files this server produced, under unguessable names, each for DOWNLOAD_TTL seconds.

    The folder is made on the first file and removed by close() or when the process exits, so translated
    documents never outlive the server."""

    def __init__(self, ttl: float = DOWNLOAD_TTL, keep: int = MAX_STORED,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.keep, self.clock = ttl, keep, clock
        self.folder: Path | None = None
        self._remove: weakref.finalize | None = None
        self._expires: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes, filename: str) -> str:
        """Store a file; its download name (a random id, then the file name)."""
        stem, suffix = Path(filename).stem, Path(filename).suffix
        safe = _UNSAFE.sub("_", stem).strip("._")[:100] or "document"
        name = f"{uuid.uuid4().hex}.{safe}{suffix}"
        (self._ensure_folder() / name).write_bytes(data)
        with self._lock:
            self._expires[name] = self.clock() + self.ttl
            self._purge()
        return name

    def get(self, name: str) -> Path | None:
        """The stored file of that name, or None when unknown or expired."""
        if not _STORED_NAME.match(name):
            return None
        with self._lock:
            self._purge()
            return self.folder / name if self.folder and name in self._expires else None

    def _purge(self) -> None:
        now = self.clock()
        for name in [n for n, t in self._expires.items() if t <= now]:
            self._drop(name)
        while len(self._expires) > self.keep:
            self._drop(next(iter(self._expires)))

    def _drop(self, name: str) -> None:
        self._expires.pop(name, None)
        if self.folder:
            (self.folder / name).unlink(missing_ok=True)

    def _ensure_folder(self) -> Path:
        with self._lock:
            if self.folder is None:
                self.folder = Path(tempfile.mkdtemp(prefix="mtbrief-files-"))
                self._remove = weakref.finalize(self, shutil.rmtree, str(self.folder), True)  # also at exit
            return self.folder

    def close(self) -> None:
        """Delete every stored file."""
        if self._remove is not None:
            self._remove()


def file_settings(service: ApiService) -> dict[str, Any]:
    """The file-translation fields of GET /frontend/settings."""
    return {"filesTranslation": True, "supportedFilesFormat": list(SUPPORTED_SUFFIXES),
            "fileSizeLimit": service.settings.file_size_limit}


def translate_upload(service: ApiService, data: bytes, filename: str) -> tuple[bytes, str]:
    """Check and translate one uploaded document; (bytes, file name of the translation)."""
    from mt.documents.core import output_suffix, translate_loaded

    try:
        doc = load_document(data, filename)
    except DocumentError as exc:
        raise ApiError(400, f"Invalid file: {exc}") from None
    chars = sum(len(unit) for unit in doc.units)
    if chars > service.settings.char_limit:
        raise ApiError(413, f"Request too large: the document holds {chars} characters of text, the limit is "
                            f"{service.settings.char_limit} characters")
    suffix = output_suffix(doc, None)
    result = translate_loaded(service.batched(), doc, suffix)  # shares engine batches with other requests
    return result.data, f"{Path(filename).stem}.en{suffix}"


async def _upload(request: Request, service: ApiService) -> tuple[bytes, str, dict[str, str]]:
    from starlette.datastructures import UploadFile

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise ApiError(400, "Invalid request: send the document as multipart/form-data with a `file` field")
    try:
        form = await request.form()
    except Exception as exc:  # noqa: BLE001 - python-multipart raises several types for a broken body
        raise ApiError(400, f"Invalid request: unreadable multipart body ({type(exc).__name__})") from None
    fields = {k: v for k, v in request.query_params.items()}
    fields.update({k: v for k, v in form.multi_items() if isinstance(v, str)})
    service.check_access(request, fields.get("api_key") or None)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "Invalid request: missing file parameter")
    data = await upload.read(service.settings.file_size_bytes + 1)
    if len(data) > service.settings.file_size_bytes:
        raise ApiError(413, f"Request too large: the file is over the limit of {service.settings.file_size_limit} MB")
    return data, upload.filename or "", fields


def add_file_routes(app: FastAPI) -> None:
    """Register /translate_file and /download_file/{name} on an app made by create_api."""
    service: ApiService = app.state.service
    store = app.state.file_store = FileStore()
    multipart = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": supported_list()},
            "source": {"type": "string", "enum": ["ar", "auto"]}, "target": {"type": "string", "enum": ["en"]},
            "api_key": {"type": "string"}}}}}}}

    @app.post("/translate_file", response_model=TranslateFileResponse, responses=ERROR_RESPONSES,
              openapi_extra=multipart)
    async def translate_file(request: Request) -> dict[str, str]:
        """Translate a document (.docx .pptx .odt .odp .html .epub .srt .pdf .txt .md); its download URL."""
        data, filename, fields = await _upload(request, service)
        service.check_pair(fields.get("source", "ar"), fields.get("target", "en"))
        if not filename:
            raise ApiError(400, f"Invalid request: the file has no name; supported formats: {supported_list()}")
        output, out_name = await service.run(translate_upload, service, data, filename)
        name = store.put(output, out_name)
        return {"translatedFileUrl": f"{str(request.base_url).rstrip('/')}/download_file/{name}"}

    @app.get("/download_file/{name}", responses={404: ERROR_RESPONSES[400] | {"description": "unknown or expired"},
                                                 200: {"content": {"application/octet-stream": {}}}})
    async def download_file(name: str) -> FileResponse:
        """A translated document, while it has not expired."""
        path = store.get(name)
        if path is None or not path.is_file():
            raise ApiError(404, "Not found: no such translated file (download links expire after "
                                f"{DOWNLOAD_TTL // 60} minutes)")
        download = name.split(".", 1)[1]
        media = mimetypes.guess_type(download)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media, filename=download)
