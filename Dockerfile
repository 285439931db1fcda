# Broadsheet production image: one image, two roles (web and worker).
#   docker build -t broadsheet .
#   docker compose up        (see compose.yaml and docs/deployment.md)
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:$PATH"

RUN pip install --no-cache-dir uv && useradd --create-home --uid 1000 broadsheet
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY . .
# Static files are collected and compressed (brotli, gzip) at build time; whitenoise
# serves them with far-future headers for hashed names.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=build REDIS_URL=redis://build \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var /app/media && chown -R broadsheet /app/var /app/media

USER broadsheet
ENV DEBUG=false
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
