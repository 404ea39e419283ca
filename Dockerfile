# The API and pages on the demo catalogue. Two stages: the build stage installs the locked
# runtime dependencies (no test tools) into a virtual environment and builds the demo
# catalogue; the image copies the environment and the built data and runs as a user without
# privileges, with a health check.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    MATCHER_DATA_DIR=/app/data MATCHER_MODELS_DIR=/app/models
RUN python -m venv /app/.venv
COPY requirements-runtime.lock ./
# PyTorch's CPU build, as pinned in the lock (the default index would take a CUDA build).
RUN pip install --upgrade pip \
    && pip install --extra-index-url https://download.pytorch.org/whl/cpu \
        -r requirements-runtime.lock
COPY pyproject.toml README.md ./
COPY matcher ./matcher
COPY api ./api
COPY models ./models
RUN pip install --no-deps . && matcher build --catalogue demo --json > /dev/null

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 matcher
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/models /app/models
COPY --from=build --chown=matcher:matcher /app/data /app/data
ENV PATH=/app/.venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    MATCHER_DATA_DIR=/app/data MATCHER_MODELS_DIR=/app/models
USER matcher
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["matcher", "serve", "--host", "0.0.0.0", "--port", "8000"]
