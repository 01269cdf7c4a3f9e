# giaoviec: one image for every role (`giaoviec api`, `worker`, `migrate`, `schedules`);
# deploy/compose.yaml and deploy/k8s/ pick the role with the command.
#   docker build -t giaoviec:latest .

# The dashboard's scripts (uPlot, graphql-ws) from the npm registry, at build time only.
FROM node:22-bookworm-slim AS assets
WORKDIR /src/api/dashboard
COPY api/dashboard/package.json api/dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    GIAOVIEC_MODE=production GIAOVIEC_HOST=0.0.0.0 GIAOVIEC_DATA_DIR=/var/lib/giaoviec \
    GIAOVIEC_LOG_FORMAT=json
RUN groupadd --system --gid 999 giaoviec \
    && useradd --system --uid 999 --gid giaoviec --home /var/lib/giaoviec \
        --create-home giaoviec
WORKDIR /app
# The Alembic project (alembic.ini, migrations/) is found beside the package, so the source
# tree stays in /app and is installed editable, as `make install` does.
COPY pyproject.toml README.md alembic.ini ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY giaoviec giaoviec
COPY migrations migrations
COPY --from=assets /src/api/dashboard/node_modules api/dashboard/node_modules
RUN python -m venv /opt/venv && pip install -e . \
    && python -m compileall -q domain workflows activities api giaoviec
USER giaoviec
# 8000: the API (GraphQL, dashboard, /metrics, /health/*); 9464: a worker's /metrics, /health/*.
EXPOSE 8000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD \
    python -c "import os,urllib.request as u; p=os.environ.get('GIAOVIEC_HEALTH_PORT','8000'); u.urlopen(f'http://127.0.0.1:{p}/health/live', timeout=2)"
ENTRYPOINT ["giaoviec"]
CMD ["api"]
