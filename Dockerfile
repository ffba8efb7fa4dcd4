# mtbrief in one image: `docker run -p 7860:7860 -v mtbrief-data:/data mtbrief` serves the web UI and the
# LibreTranslate-compatible API. Everything that must outlive the container lives in the /data volume.
# Build args, defaults and the GPU variant: docs/container.md.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

# torch is pinned to its CPU build: a "+cpu" version exists only as the CPU wheel, so no index can hand us the
# multi-GB CUDA build. TORCH_WHEELS (a folder or URL of wheels, for offline builds) replaces TORCH_INDEX.
ARG TORCH_VERSION=2.13.0+cpu
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG TORCH_WHEELS=
# For networks that need them (declared without a value: unset unless given). A CA bundle reaches the build as
# a secret: --secret id=pip_cert,src=BUNDLE --build-arg PIP_CERT=/run/secrets/pip_cert (docker and podman).
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ARG PIP_CERT

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

# Python with venv (CUDA bases have none), the non-root user and the data folder.
RUN set -eu; \
    if ! python3 -c 'import ensurepip' 2>/dev/null; then \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            python3 python3-venv ca-certificates; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    python3 -m venv /opt/mtbrief/venv; \
    useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin mtbrief; \
    mkdir -p /data; \
    chown mtbrief:mtbrief /data

# Layers from the least to the most often changed: torch, then the dependencies, then the code.
RUN --mount=type=secret,id=pip_cert set -eu; \
    if [ -n "$TORCH_WHEELS" ]; then where="--find-links $TORCH_WHEELS"; \
    else where="--extra-index-url $TORCH_INDEX"; fi; \
    /opt/mtbrief/venv/bin/pip install $where "torch==$TORCH_VERSION"

COPY pyproject.toml /opt/mtbrief/app/
# The dependencies alone (read from pyproject.toml), with torch held at the build installed above.
RUN --mount=type=secret,id=pip_cert set -eu; \
    cd /opt/mtbrief/app; \
    /opt/mtbrief/venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' > /tmp/requirements.txt; \
    /opt/mtbrief/venv/bin/pip freeze | grep '^torch==' > /tmp/constraints.txt; \
    /opt/mtbrief/venv/bin/pip install -c /tmp/constraints.txt -r /tmp/requirements.txt; \
    rm /tmp/requirements.txt /tmp/constraints.txt

# Installed in place (editable) so the web page finds seeds/ beside ui.py; compiled now, since the non-root
# user cannot write __pycache__ at run time.
COPY . /opt/mtbrief/app/
RUN --mount=type=secret,id=pip_cert set -eu; \
    /opt/mtbrief/venv/bin/pip install --no-deps -e /opt/mtbrief/app; \
    /opt/mtbrief/venv/bin/python -m compileall -q /opt/mtbrief/app; \
    /opt/mtbrief/venv/bin/mtbrief --version

# The one volume: hub downloads, CTranslate2 conversions, the corrections memory (and the monitor's store,
# which compose.yaml puts at /data/monitor.db).
ENV PATH=/opt/mtbrief/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HOME=/data/huggingface \
    MTBRIEF_CACHE=/data/mtbrief \
    MTBRIEF_MEMORY=/data/memory.sqlite \
    GRADIO_ANALYTICS_ENABLED=False \
    HF_HUB_DISABLE_TELEMETRY=1
VOLUME /data
USER mtbrief
WORKDIR /home/mtbrief
EXPOSE 7860
# The first start may download (~1 GB) and convert the default model: a long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=600s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/health', timeout=4)"]
ENTRYPOINT ["mtbrief"]
CMD ["serve", "--host", "0.0.0.0", "--port", "7860"]
