"""Opening the store: what a user sees when it cannot be opened."""

from __future__ import annotations

import pytest

from logcopilot.engine.store import Store


def test_store_held_by_another_process_says_who_and_what_to_do(tmp_path) -> None:
    """DuckDB allows one writer process: a second open names the holder instead of a raw lock error."""
    import subprocess
    import sys

    from logcopilot.errors import StoreError

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError) as info:
            Store(path)
        msg = str(info.value)
        assert f"in use by another process (PID {holder.pid}" in msg and "logcopilot serve" in msg
        assert "\n" not in msg
    finally:
        holder.kill()
        holder.wait()
