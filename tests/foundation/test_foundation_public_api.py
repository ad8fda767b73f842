"""Every public ``__all__`` in logcopilot: sorted, no duplicates, and every name importable.

The walk covers every module below ``logcopilot`` (pkgutil); a module whose import needs an
optional extra (llama_cpp, sentence_transformers, torch) is skipped, any other import error
fails. Every ``__all__`` must name only what its module defines, once. Package ``__all__``
lists (the public API other packages call) must be sorted; so must every module's in the
LogQL front end and the engine, which also must have a package ``__all__``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import logcopilot

_OPTIONAL_EXTRAS = frozenset({"llama_cpp", "sentence_transformers", "torch"})
_SORTED_EVERYWHERE = ("logcopilot.logql", "logcopilot.engine")


def _import(name: str) -> ModuleType | None:
    """The module, or None when importing it needs an optional extra that is absent."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in _OPTIONAL_EXTRAS:
            return None
        raise


def _walk() -> list[tuple[str, bool]]:
    found = [("logcopilot", True)]
    found += [(m.name, m.ispkg) for m in pkgutil.walk_packages(logcopilot.__path__, "logcopilot.")]
    return found


_MODULES = _walk()


def test_walk_sees_the_front_end_and_engine() -> None:
    names = {name for name, _ in _MODULES}
    assert {"logcopilot.logql", "logcopilot.logql.parser", "logcopilot.engine.executor"} <= names


@pytest.mark.parametrize("name", [n for n, _ in _MODULES])
def test_all_is_importable_unique_and_sorted(name: str) -> None:
    module = _import(name)
    if module is None:
        pytest.skip(f"{name} needs an optional extra")
    exported = getattr(module, "__all__", None)
    is_package = hasattr(module, "__path__")
    if name in _SORTED_EVERYWHERE:
        assert exported, f"{name} has no public __all__"
    if exported is None:
        return
    names = list(exported)
    assert all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names), f"{name}.__all__ has duplicates"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    if is_package or name.startswith(_SORTED_EVERYWHERE):
        assert names == sorted(names), f"{name}.__all__ is not sorted"


def test_engine_lazy_names_are_the_real_objects() -> None:
    import logcopilot.engine as engine
    from logcopilot.engine import executor, results

    assert engine.execute_range is executor.execute_range
    assert engine.format_value is results.format_value
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018 - the attribute access is the test
