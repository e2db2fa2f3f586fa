# Ferry: one image for every process (`ferry run`, `ferry web`, `ferry db upgrade`); SQLite data in a
# volume at /app/data, or PostgreSQL (docker-compose.yml's "postgres" profile).
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY cogs ./cogs
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip==25.3 && /venv/bin/pip install -c constraints.txt .

FROM python:3.11-slim-bookworm
# An unprivileged user owns only the data directory; the code is read-only to it.
RUN useradd --system --uid 10001 --home-dir /app ferry && mkdir -p /app/data && chown ferry /app/data
COPY --from=build /venv /venv
COPY config /app/config
WORKDIR /app
USER ferry
# MPLCONFIGDIR: matplotlib (the insight charts) keeps its font cache there; /app is read-only.
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 FERRY_CONFIG=/app/config \
    DATABASE_URL=sqlite+aiosqlite:////app/data/ferry.db LOG_FORMAT=json MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/app/data"]
# The web page, when [web] is enabled and bound to 0.0.0.0 (`ferry run --web-host 0.0.0.0`, `ferry web`).
EXPOSE 8080
# `ferry run` applies migrations, then starts every front whose credentials are set; it stops
# cleanly on SIGTERM, well inside docker stop's 10 second grace period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ferry"]
CMD ["run"]
