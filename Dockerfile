# The API and pages on the demo catalogue, installed exactly as the README does (`make install`).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends make gcc && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml Makefile README.md ./
COPY matcher ./matcher
COPY api ./api
COPY models ./models
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MATCHER_DATA_DIR=/app/data
RUN make install && make build
EXPOSE 8000
CMD [".venv/bin/matcher", "serve", "--host", "0.0.0.0", "--port", "8000"]
