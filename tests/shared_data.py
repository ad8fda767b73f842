"""Where the read-only shared data (datasets, Loki corpus, benchmark) lives for the tests.

CI clones the repository with ``shared/`` beside it; developers have it at ``../shared`` too.
``LOGCOPILOT_SHARED`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def _find() -> Path:
    env = os.environ.get("LOGCOPILOT_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [_REPO.parent / "shared", Path("/work/shared")]
    for c in candidates:
        if (c / "loki-corpus").is_dir():
            return c
    return candidates[0]


SHARED = _find()
"""Root of the shared data."""
