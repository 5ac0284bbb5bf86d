"""Small helpers shared by asynckit's modules."""

from __future__ import annotations

import asyncio
from typing import Any

_BASE_CREATE_TASK: Any = asyncio.BaseEventLoop.create_task
if _BASE_CREATE_TASK.__module__ != "asyncio.base_events" or hasattr(
    _BASE_CREATE_TASK, "__wrapped__"
):  # pragma: no cover - patched before asynckit was imported
    _BASE_CREATE_TASK = None


def direct_task_type(loop: asyncio.AbstractEventLoop) -> type[asyncio.Task[Any]] | None:
    """:class:`asyncio.Task`, if making a task with it is what ``loop.create_task`` does.

    That is the case when the loop's ``create_task`` is :class:`asyncio.BaseEventLoop`'s
    own, neither overridden (uvloop), nor patched on the class or the instance (a tool
    that wraps it, a task tracker for one, must see every task), and when the loop
    has no task factory: as one can be set at any time, the caller checks
    ``loop._task_factory is None`` for each task. Calling the class directly saves
    ``create_task``'s own frame on hot paths.
    """
    if type(loop).create_task is not _BASE_CREATE_TASK or "create_task" in getattr(
        loop, "__dict__", ()
    ):
        return None
    return asyncio.Task


def fixup_module_metadata(module_name: str, namespace: dict[str, Any]) -> None:
    """Make public objects report their public module path.

    Objects implemented in private modules (``asynckit._gather``) are re-exported
    from a public one (``asynckit``); rewriting ``__module__`` (and ``__qualname__``
    for names re-exported under another name) makes tracebacks, pickles, warnings
    and the API reference say ``asynckit.gather``.

    Args:
        module_name: The public module's ``__name__``.
        namespace: The public module's ``globals()``; only names listed in its
            ``__all__`` are rewritten.
    """
    seen: set[int] = set()

    def fix_one(qualname: str, name: str, obj: object) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        mod = getattr(obj, "__module__", None)
        if mod is None or not mod.startswith("asynckit."):
            return
        obj.__module__ = module_name
        if hasattr(obj, "__name__") and "." not in getattr(obj, "__qualname__", "."):
            obj.__name__ = name
            obj.__qualname__ = qualname  # type: ignore[attr-defined]
        if isinstance(obj, type):
            for attr_name, attr_value in obj.__dict__.items():
                fix_one(f"{qualname}.{attr_name}", attr_name, attr_value)

    for name in namespace["__all__"]:
        fix_one(name, name, namespace[name])
