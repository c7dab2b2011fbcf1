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
# Two processes of four threads (gthread), chosen by bench/catalogue.py on a 2-core host: a request
# spends much of its time waiting on PostgreSQL and Redis, and another thread runs meanwhile, so it
# served the signed-in catalogue at 1.1–1.9x and the sign-in page at 1.4–2.6x the requests/s of
# three sync workers, at 8 and 32 connections (medians of three interleaved runs, in two runs;
# docs/operations.md, "Benchmarks"). Registrations, which queue on a session's row lock, ran at
# 0.8–0.9x (bench/registration_load.py --servers). Each thread keeps its own database connection (CONN_MAX_AGE):
# 8 per container.
CMD ["gunicorn", "meded.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-class", "gthread", "--threads", "4"]
