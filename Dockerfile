# Production image: gunicorn for web, the same image runs Celery worker and beat.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
RUN pip install -r requirements.txt && npm ci --omit=dev --no-audit --no-fund
COPY . .
# Throw-away values that pass the production checks of smm/settings.py: collectstatic
# signs and encrypts nothing; the real ones come from .env at run time.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-signs-nothing-0123456789-ABCDEFGH \
    FIELD_ENCRYPTION_KEYS=bm90LWEtcmVhbC1rZXktYnVpbGQtb25seS0xMjM0NTY= \
    python manage.py collectstatic --noinput
RUN useradd --create-home smm && mkdir -p /app/var/media && chown -R smm /app
USER smm
EXPOSE 8000
CMD ["gunicorn", "smm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
