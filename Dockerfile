# CLARA grants under gunicorn. Configuration comes from the environment (see README.md);
# docker-compose.yml runs it beside PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group clara

WORKDIR /app

# Dependencies first so that a code change does not reinstall them: the exact versions of
# requirements.lock, each checked against its hash (`make lock` writes it from pyproject.toml).
# Then the project itself without dependencies; it installs no package of its own
# (`[tool.setuptools] packages = []`) and the code runs from /app.
# WeasyPrint (the printed activity report) needs Pango and a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock \
 && pip install --no-deps .

COPY --chown=clara:clara . .

# Static files are collected at build time with production settings; the secret key here is a
# throw-away used only by this command and never stored in the image.
RUN DJANGO_DEBUG=0 \
    SECRET_KEY=build-only-dummy-key-for-collectstatic-0123456789abcdefghijklmnop \
    ALLOWED_HOSTS='*' \
    python manage.py collectstatic --noinput \
 && mkdir -p /data/private-media /data/cache \
 && chown -R clara:clara /app/staticfiles /data/private-media /data/cache

# Private uploads: mount a volume here (never served under a public URL).
ENV PRIVATE_MEDIA_ROOT=/data/private-media \
    STATIC_ROOT=/app/staticfiles \
    DJANGO_DEBUG=0

USER clara

EXPOSE 8000

# No gunicorn access log: the application writes one JSON access line per request, with its id
# (clara/logging.py).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn clara.wsgi:application --bind 0.0.0.0:8000 --workers 3"]
