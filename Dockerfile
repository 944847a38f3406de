# Sitrep server image: serves GraphQL against DATABASE_URL (no embedded PostgreSQL).
# Build: docker build -t sitrep .   Run: docker run -e DATABASE_URL=... -p 8000:8000 sitrep
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir "uv==0.13.9" \
 && groupadd --system sitrep && useradd --system --gid sitrep --home /app sitrep

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the application.
COPY alembic.ini ./
COPY alembic ./alembic
COPY app ./app
COPY db ./db
COPY schema ./schema
COPY sitrep_client ./sitrep_client
RUN uv sync --frozen --no-dev && chown -R sitrep:sitrep /app

USER sitrep
ENV PATH="/app/.venv/bin:$PATH" \
    SITREP_HOST=0.0.0.0 \
    SITREP_PORT=8000 \
    SITREP_ENVIRONMENT=production \
    SITREP_LOG_JSON=true
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"

# Migrations are a deploy step (`sitrep db upgrade`); compose runs them before serving.
CMD ["sitrep", "serve"]
