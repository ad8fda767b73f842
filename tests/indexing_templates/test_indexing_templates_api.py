from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "logcopilot.indexing.masking",
    "logcopilot.indexing.miner",
    "logcopilot.indexing.matching",
    "logcopilot.indexing.evaluate",
    "logcopilot.indexing.templates",
    "logcopilot.indexing.export",
    "logcopilot.cli.templates",
]


@pytest.mark.parametrize("name", MODULES)
def test_public_all_is_sorted_and_real(name: str) -> None:
    mod = importlib.import_module(name)
    assert mod.__all__ == sorted(mod.__all__)
    for item in mod.__all__:
        assert hasattr(mod, item), item
    assert mod.__doc__ and "In:" in mod.__doc__ or name.startswith("logcopilot.cli")


@pytest.mark.parametrize("name", MODULES[:4])
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
