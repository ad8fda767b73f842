"""Measure the local models: load time, generation speed, peak memory.

Run: ``.venv/bin/python benchmarks/bench_llm_local.py [--model NAME_OR_GGUF] [--threads N]``
(after ``bash scripts/setup.sh``). Prints one JSON object. Each figure is from a fresh
process, so the load time is cold-ish (the GGUF may still be in the page cache).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from logcopilot.config import load_settings
from logcopilot.llm.base import ChatRequest
from logcopilot.llm.local import LocalChatProvider, default_threads
from logcopilot.llm.weights import resolve_model_path

PROMPTS = [
    "Explain in three sentences what an sshd 'Failed password' log line means.",
    "List five common HTTP status codes and what they mean.",
]
SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": ["count", "top_k", "first_last", "existence"]},
        "keyword": {"type": "string", "maxLength": 40},
        "window": {"type": "string", "enum": ["1h", "1d", "7d", "all"]},
    },
    "required": ["intent", "keyword", "window"],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="", help="model name or GGUF path (default: the 0.5B model)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--embed", action="store_true", help="also measure the local embedding model")
    args = ap.parse_args()
    settings = load_settings()
    path = resolve_model_path(args.model, settings.home)
    started = time.perf_counter()
    provider = LocalChatProvider(path, n_ctx=4096, n_threads=args.threads)
    load_s = time.perf_counter() - started
    gen_tokens = 0
    gen_s = 0.0
    prompt_tokens = 0
    for i, prompt in enumerate(PROMPTS):
        t = time.perf_counter()
        out = provider.complete(ChatRequest.build(prompt, max_tokens=args.max_tokens, seed=i))
        gen_s += time.perf_counter() - t
        gen_tokens += out.completion_tokens
        prompt_tokens += out.prompt_tokens
    t = time.perf_counter()
    js = provider.complete(
        ChatRequest.build("Plan: how many failed logins from 10.0.0.1 yesterday?", max_tokens=64, json_schema=SCHEMA)
    )
    json_s = time.perf_counter() - t
    result = {
        "model": path.name,
        "threads": args.threads or default_threads(),
        "load_s": round(load_s, 2),
        "tokens_per_s": round(gen_tokens / gen_s, 1),
        "generated_tokens": gen_tokens,
        "prompt_tokens": prompt_tokens,
        "json_call_s": round(json_s, 2),
        "json_tokens": js.completion_tokens,
        "json_valid": bool(json.loads(js.text)),
    }
    if args.embed:
        from logcopilot.llm.embeddings import LocalEmbedder

        t = time.perf_counter()
        emb = LocalEmbedder()
        result["embed_load_s"] = round(time.perf_counter() - t, 2)
        texts = [f"Failed password for user{i} from 10.0.{i % 250}.{i % 7} port {1000 + i} ssh2" for i in range(256)]
        t = time.perf_counter()
        emb.embed(texts)
        result["embed_texts_per_s"] = round(len(texts) / (time.perf_counter() - t), 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
