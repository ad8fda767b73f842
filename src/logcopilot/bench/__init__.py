"""Benchmark harness: answer a question file end to end, write answers, score and cost them."""

from __future__ import annotations

from logcopilot.bench.harness import BenchReport, run_bench

__all__ = ["BenchReport", "run_bench"]
