# Two stages: the builder has what building needs (gettext's msgfmt, pip), the
# runtime image only Python, the virtualenv and the code.
FROM python:3.13-slim AS builder
ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# gettext for msgfmt only. Every pinned package ships a binary wheel for this
# Python (psycopg-binary, cryptography, pillow, nh3, resvg-py, pydantic-core), so
# no compiler is needed; the virtualenv is copied into the runtime stage whole.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
# The catalogs are compiled here, from the .po files, the way `manage.py
# compilemessages` compiles them (msgfmt --check-format, fuzzy entries left out),
# without Django's settings. The compiled .mo are committed too, and
# tests/test_translations.py proves they say what their .po say, so this only
# guards against an image built from a tree where someone edited a .po and not
# its .mo; a malformed catalog fails the build.
COPY locale /build/locale
RUN find /build/locale -name django.po -execdir msgfmt --check-format -o django.mo django.po \;

FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .
COPY --from=builder /build/locale /app/locale
# Static files are collected at build time (hashed names, compressed copies:
# CompressedManifestStaticFilesStorage). Production settings refuse to load
# without these; placeholders for the build only (nothing is contacted), the real
# values come from the environment at run time. var/media holds uploaded hero
# images and large exports (a volume in docker-compose.yml), and /srv/static the
# copy of the static files the proxy serves (docker-compose.yml's `static`
# service): both written by the unprivileged user, so a new named volume mounted
# there takes that owner.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    EMAIL_URL=smtp://build-only REDIS_URL=redis://build-only/0 \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 blueheart \
    && mkdir -p /app/var/media /srv/static \
    && chown blueheart /app/var/media /srv/static
USER blueheart
EXPOSE 8000
# /readyz (database, cache and broker) with the Host and X-Forwarded-Proto the
# proxy sends, so production settings let it through (config/healthcheck.py).
# docker-compose.yml gives the worker, the beat and the one-shot services their own.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=10 \
    CMD ["python", "config/healthcheck.py", "http://127.0.0.1:8000/readyz"]
# Port 8000, 4 workers, and an access log without client addresses or the tokens
# of links (config/gunicorn.py).
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
