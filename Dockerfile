# syntax=docker/dockerfile:1
#
# Peerloop's production image: one image for the web process (gunicorn, the
# default command), the Celery worker and celery beat (docker-compose.yml runs
# the same image with another command).
#
#   docker build -t peerloop .
#   docker run -e SECRET_KEY=... -e ALLOWED_HOSTS=peerloop.example.com \
#              -e DATABASE_URL=postgres://... -e CELERY_BROKER_URL=redis://... peerloop

ARG PYTHON_VERSION=3.11

# --- build: a virtualenv with the runtime dependencies only ---------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only pyproject.toml, so this layer is rebuilt when dependencies change, not
# on every code change. [project.dependencies] are the runtime dependencies;
# the "dev" extra (pytest, playwright, ruff, ...) stays out of the image.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; deps = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(deps))" > /tmp/requirements.txt \
    && pip install --upgrade pip \
    && pip install -r /tmp/requirements.txt

# --- runtime ------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PEERLOOP_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000 \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 peerloop \
    && useradd --system --uid 10001 --gid peerloop --home-dir /app --no-create-home \
               --shell /usr/sbin/nologin peerloop

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root: the app user can read it but not change it.
COPY . /app

# Static files are collected once, at build time, with the production settings
# (manifest storage, compressed copies) and served by whitenoise. Production
# settings refuse to load without a secret key and allowed hosts, so this one
# step gets throwaway values; they are not kept in the image.
RUN SECRET_KEY=collectstatic-only-not-a-real-key ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var \
    && chown -R peerloop:peerloop /app/var

USER peerloop

EXPOSE 8000

# /healthz answers 200 when the database and the broker answer, 503 otherwise.
# Django checks the Host header against ALLOWED_HOSTS, so the probe sends the
# first allowed host ("*" or ".example.com" become a name that matches them).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('*.') or 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': host}), timeout=8)"]

# gunicorn binds 0.0.0.0:$PORT and starts $WEB_CONCURRENCY workers (both set
# above, both overridable at run time). Heartbeat files go to memory, not the
# container's overlay filesystem.
CMD ["gunicorn", "config.wsgi:application", "--worker-tmp-dir", "/dev/shm", "--timeout", "60", "--graceful-timeout", "30", "--access-logfile", "-"]
