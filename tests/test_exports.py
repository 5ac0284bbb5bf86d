"""The public surface: what is exported, documented, importable and typed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import asynckit

DOCS = Path(__file__).parent.parent / "docs"


def isort_key(name: str) -> tuple[int, str]:
    """Ruff's ``__all__`` order (RUF022): CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def public_modules() -> list[ModuleType]:
    modules: list[ModuleType] = [asynckit]
    modules.extend(
        importlib.import_module(f"asynckit.{info.name}")
        for info in pkgutil.iter_modules(asynckit.__path__)
        if not info.name.startswith("_")
    )
    return modules


def documented_names(module: str) -> set[str]:
    pattern = re.compile(rf"^::: {re.escape(module)}\.(\w+)\s*$", re.MULTILINE)
    names: set[str] = set()
    for page in (DOCS / "api").glob("*.md"):
        names.update(pattern.findall(page.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_all_is_sorted_and_complete(module: ModuleType) -> None:
    exported = module.__all__
    assert exported == sorted(exported, key=isort_key), f"{module.__name__}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{module.__name__}.__all__ has duplicates"
    for name in exported:
        assert hasattr(module, name), f"{module.__name__}.{name} is in __all__ but missing"
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    public -= {"annotations"}
    assert public == set(exported), f"{module.__name__} exposes names outside __all__"


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_documented_names_are_exactly_exported(module: ModuleType) -> None:
    assert documented_names(module.__name__) == set(module.__all__)


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_public_objects_report_public_module(module: ModuleType) -> None:
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__ == module.__name__, name
            assert obj.__doc__, f"{module.__name__}.{name} has no docstring"


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_public_callables_are_fully_annotated(module: ModuleType) -> None:
    for name in module.__all__:
        obj = getattr(module, name)
        functions = []
        if inspect.isfunction(obj):
            functions.append(obj)
        elif inspect.isclass(obj):
            functions.extend(
                member
                for attr, member in vars(obj).items()
                if inspect.isfunction(member) and (not attr.startswith("_") or attr == "__init__")
            )
        for fn in functions:
            annotations = inspect.get_annotations(fn)
            params = [
                p
                for p in inspect.signature(fn).parameters.values()
                if p.name not in {"self", "cls"}
            ]
            missing = [p.name for p in params if p.name not in annotations]
            assert not missing, f"{fn.__qualname__} lacks annotations for {missing}"
            assert "return" in annotations, f"{fn.__qualname__} lacks a return annotation"


def test_package_is_typed() -> None:
    assert (Path(asynckit.__file__).parent / "py.typed").is_file()


def test_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|a\d+|b\d+|rc\d+)?", asynckit.__version__)
