# syntax=docker/dockerfile:1
# Container path: the same code as the native scripts; PostGIS and Redis come from compose.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY grid_api grid_api
COPY models models
COPY tasks tasks
COPY geo geo
COPY devenv devenv
RUN pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --home /app grid
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GRID_ENV=production \
    GRID_API_ROOT=/app \
    PORT=8000
USER grid
EXPOSE 8000
# The worker runs the same image: `python -m tasks.worker`.
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --error-logfile - grid_api.wsgi:app"]
