# One image for every service: `docker run IMAGE gateway|store|resolver|renderer|webhooks|devllm`.
# Build from the repository root: `docker build -t reports-platform .`

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
COPY services ./services
COPY reports ./reports
COPY stack ./stack
# The wheel carries the contract's JSON Schemas and the pages' files as package data.
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REPORTS_VAR_DIR=/tmp/reports \
    REPORTS_GATEWAY_HOST=0.0.0.0 \
    REPORTS_STORE_LISTEN=0.0.0.0:50051 \
    REPORTS_RESOLVER_LISTEN=0.0.0.0:50052 \
    REPORTS_RENDERER_LISTEN=0.0.0.0:50053 \
    REPORTS_WEBHOOKS_LISTEN=0.0.0.0:50054 \
    DEVLLM_HOST=0.0.0.0 \
    REPORTS_METRICS_HOST=0.0.0.0 \
    REPORTS_METRICS_PORT=9090
RUN groupadd --system --gid 10001 reports \
    && useradd --system --uid 10001 --gid reports --no-create-home --shell /usr/sbin/nologin reports
COPY --from=build /opt/venv /opt/venv
COPY deploy/docker-entrypoint.sh deploy/healthcheck.py /app/
# The compose file's `tls` volume starts as a copy of this directory, so its owner can write it.
RUN mkdir /tls && chown 10001:10001 /tls
WORKDIR /app
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 10001:10001
EXPOSE 8080 8089 9090 50051 50052 50053 50054
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]
ENTRYPOINT ["/bin/sh", "/app/docker-entrypoint.sh"]
