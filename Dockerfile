# MedEd production image: gunicorn serves the app, whitenoise the static files.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 meded

COPY . .
RUN pip install -c requirements.lock .
# Collect static files at build time with a throwaway key; the real one comes from the environment.
RUN DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input -v0 \
    && mkdir -p /app/var && chown -R meded /app/var

USER meded
EXPOSE 8000
# No gunicorn access log: MedEd logs one line per request itself (meded/middleware.py), with the
# request id and without the tokens that some URLs and query strings carry.
CMD ["gunicorn", "meded.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
