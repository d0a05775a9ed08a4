FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected at build time. Production settings refuse to load
# without these; placeholders for the build only (nothing is contacted), the real
# values come from the environment at run time. var/media holds uploaded hero
# images (a volume in docker-compose.yml), written by the unprivileged user.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    EMAIL_URL=smtp://build-only REDIS_URL=redis://build-only/0 \
    python manage.py collectstatic --noinput \
    && useradd --create-home blueheart \
    && mkdir -p /app/var/media && chown blueheart /app/var/media
USER blueheart
EXPOSE 8000
# Port 8000, 4 workers, and an access log without client addresses or the tokens
# of links (config/gunicorn.py).
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
