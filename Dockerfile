# syntax=docker/dockerfile:1
# mentorhub: one worker process. Several of these on one PostgreSQL share the work
# (see compose.yaml and docs/deployment.md).

# --- build: install mentorhub and its pinned dependencies into a virtualenv -------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/mentorhub
# dependencies first (a layer that survives code changes), at the versions CI tested
COPY pyproject.toml constraints.txt README.md ./
COPY adapters ./adapters
COPY bots ./bots
COPY core ./core
COPY storage ./storage
RUN /opt/mentorhub/bin/pip install -c constraints.txt .

# --- run: the virtualenv only; no compiler, no pip cache, no sources ---------------------
FROM python:3.11-slim-bookworm
ENV PATH=/opt/mentorhub/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MENTORHUB_CONFIG=/etc/mentorhub/config.toml
RUN groupadd --system --gid 10001 mentorhub \
    && useradd --system --uid 10001 --gid mentorhub --home-dir /var/lib/mentorhub \
       --create-home --shell /usr/sbin/nologin mentorhub
COPY --from=build /opt/mentorhub /opt/mentorhub
COPY deploy/config.toml /etc/mentorhub/config.toml
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/mentorhub-entrypoint
USER 10001:10001
WORKDIR /var/lib/mentorhub
# [ops] port in deploy/config.toml: /healthz, /readyz, /metrics
EXPOSE 9090
# /healthz: the process is alive and its event loop answers (slim has no curl)
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4)"]
# SIGTERM: stop receiving, hand back claims and leases, exit 0 (issue #17, item 4)
STOPSIGNAL SIGTERM
ENTRYPOINT ["mentorhub-entrypoint"]
CMD ["mentorhub", "run"]
