"""The Hugging Face hub with every network step bounded: a dead, silent or refusing hub ends in one line
(ModelUnavailable: what happened and the fix), never a hang, a retry storm or a chained traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mt.errors import InvalidOption, ModelUnavailable

# Weights formats other than these (TF, Flax, Rust) are never needed, so never downloaded.
TOKENIZER_AND_CONFIG = ["*.json", "*.spm", "*.model", "*.txt"]
_NAMES_FIX = ("check the name: a preset (`mtbrief models list`), a hub id like Helsinki-NLP/opus-mt-ar-en, "
              "or a local folder")


def hub_timeout() -> float:
    """Seconds any one network step may take (connect, or wait for the next bytes): $MTBRIEF_HUB_TIMEOUT, else
    huggingface_hub's HF_HUB_DOWNLOAD_TIMEOUT (10 s by default)."""
    from huggingface_hub import constants

    raw = os.environ.get("MTBRIEF_HUB_TIMEOUT")
    try:
        value = float(raw) if raw else float(constants.HF_HUB_DOWNLOAD_TIMEOUT)
    except ValueError:
        raise InvalidOption("MTBRIEF_HUB_TIMEOUT", raw, ["a number of seconds > 0"]) from None
    if value <= 0:
        raise InvalidOption("MTBRIEF_HUB_TIMEOUT", raw, ["a number of seconds > 0"])
    return value


def _bounded_client_factory(timeout: float) -> Any:
    """huggingface_hub's own client, plus a hook that bounds every request (the hub library passes no timeout
    to most requests, so a server that accepts and never answers would hold it forever)."""
    import httpx2

    def bound(request: Any) -> None:
        limits = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {k: min(limits.get(k) or timeout, timeout)
                                         for k in ("connect", "read", "write", "pool")}

    def factory() -> Any:
        try:
            from huggingface_hub.utils._http import default_client_factory

            client = default_client_factory()
        except ImportError:  # another huggingface_hub layout: a plain client works the same
            client = httpx2.Client(follow_redirects=True)
        client.event_hooks = {**client.event_hooks, "request": [*client.event_hooks["request"], bound]}
        return client

    return factory


def _unavailable(hub_id: str, exc: BaseException, timeout: float) -> ModelUnavailable:
    import httpx2
    from huggingface_hub import constants, errors

    cache, endpoint = str(constants.HF_HUB_CACHE), constants.ENDPOINT
    if isinstance(exc, errors.RevisionNotFoundError):
        return ModelUnavailable(hub_id, cache, "no such revision on the hub", fix="check --revision")
    if isinstance(exc, errors.GatedRepoError) or getattr(getattr(exc, "response", None), "status_code", 0) == 401:
        return ModelUnavailable(hub_id, cache, "the hub requires a login for this model",
                                fix="run `hf auth login` (or set HF_TOKEN), or " + _NAMES_FIX)
    if isinstance(exc, errors.RepositoryNotFoundError):
        return ModelUnavailable(hub_id, cache, f"no such model on the hub {endpoint}", fix=_NAMES_FIX)
    if isinstance(exc, httpx2.TimeoutException):
        reason = f"the hub {endpoint} did not answer within {timeout:g} s"
    elif isinstance(exc, (httpx2.ConnectError, httpx2.NetworkError, httpx2.ProxyError)):
        reason = f"the hub {endpoint} cannot be reached: {exc or type(exc).__name__}"
    elif isinstance(exc, errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        reason = f"the hub {endpoint} answered HTTP {status}"
    elif isinstance(exc, OSError) and exc.strerror:
        reason = f"download failed: {exc.strerror}"
    else:
        reason = f"download failed: {type(exc).__name__}: {exc}"
    return ModelUnavailable(hub_id, cache, reason.replace("\n", " "))


def download(hub_id: str, revision: str | None, announce: bool = True) -> Path:
    """Download a hub model (config, tokenizer, one weights format) into the cache, every step bounded."""
    import httpx2
    from huggingface_hub import HfApi, constants, snapshot_download
    from huggingface_hub.utils import set_client_factory

    timeout = hub_timeout()
    set_client_factory(_bounded_client_factory(timeout))
    try:
        # One request without retries first: a dead or silent hub is reported at once, not after retries.
        info = HfApi().model_info(hub_id, revision=revision, timeout=timeout)
        files = [s.rfilename for s in info.siblings or ()]
        weights = "*.safetensors" if any(f.endswith(".safetensors") for f in files) else "pytorch_model.bin"
        patterns = TOKENIZER_AND_CONFIG + [weights]
        if announce:
            from fnmatch import fnmatch

            count = sum(any(fnmatch(f, p) for p in patterns) for f in files)
            print(f"mtbrief: downloading {hub_id} ({count} files) from {constants.ENDPOINT} into "
                  f"{constants.HF_HUB_CACHE}", file=sys.stderr, flush=True)
        return Path(snapshot_download(hub_id, revision=revision, allow_patterns=patterns,
                                      etag_timeout=timeout))
    except (OSError, ValueError, httpx2.HTTPError) as exc:
        raise _unavailable(hub_id, exc, timeout) from None
