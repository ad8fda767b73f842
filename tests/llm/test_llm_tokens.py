"""Offline token counting: the documented estimate, and its bound against the real tokenizer."""

from __future__ import annotations

from typing import Any

import pytest
from llm_fakes import SHARED

from logcopilot.llm.tokens import (
    MESSAGE_OVERHEAD,
    REPLY_PRIMER,
    count_message_tokens,
    estimate_tokens,
)


def test_estimate_rules() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("error") == 1
    assert estimate_tokens(" error") == 1  # the space before a word rides with it
    assert estimate_tokens("authentication") == 3  # 14 letters: 7 free + 2 steps of 4
    assert estimate_tokens("12345") == 5  # digits count one each
    assert estimate_tokens("a.b") == 3
    assert estimate_tokens("----------------") == 4  # a run of one symbol: 1 per 4
    assert estimate_tokens("line\nline") == 3
    assert estimate_tokens("日志") == 2


def test_estimate_grows_with_text() -> None:
    line = "Accepted publickey for alice from 192.168.1.20 port 50022 ssh2"
    assert estimate_tokens(line * 2) >= 2 * estimate_tokens(line) - 1
    assert estimate_tokens(line) > len(line.split())


def test_message_overhead() -> None:
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "error"}]
    assert count_message_tokens(msgs) == REPLY_PRIMER + 2 * MESSAGE_OVERHEAD + 2 + 1
    assert count_message_tokens(msgs, count=len) == REPLY_PRIMER + 2 * MESSAGE_OVERHEAD + len("be brief") + 5


@pytest.mark.model
@pytest.mark.parametrize("system", ["OpenSSH", "HDFS", "BGL", "Mac", "Proxifier"])
def test_estimate_is_close_to_the_qwen_tokenizer_on_logs(local_provider: Any, system: str) -> None:
    path = SHARED / "datasets" / "loghub-2k" / system / f"{system}_2k.log"
    lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()][:500]
    real = sum(local_provider.count_tokens(ln) for ln in lines)
    est = sum(estimate_tokens(ln) for ln in lines)
    assert 0.97 <= est / real <= 1.15, (system, est, real)
