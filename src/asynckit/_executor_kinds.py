"""What each kind of ``concurrent.futures.Executor`` can do, and how to submit to it.

* **thread** (``ThreadPoolExecutor`` and subclasses): the function runs in this
  process, so it gets a copy of the caller's context variables and a link for
  cooperative cancellation and calls back into the loop.
* **process** (``ProcessPoolExecutor``, loky's executors): arguments are pickled; a
  ``contextvars.Context`` does not pickle, so none is sent. Queued work can be
  withdrawn, running work cannot be stopped.
* **dask** (``distributed.Client.get_executor()``): see ``_executor_dask``.
* **other** executors: submitted as they are, without a context.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import enum
import sys
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import anyio


class Kind(enum.Enum):
    """The kinds of executor asynckit tells apart."""

    THREAD = "thread"
    PROCESS = "process"
    DASK = "dask"
    OTHER = "other"


_kinds: dict[type, Kind] = {}


def executor_kind(executor: object) -> Kind:
    """Classify ``executor``, raising a helpful ``TypeError`` for non-executors."""
    cls = type(executor)
    kind = _kinds.get(cls)
    if kind is None:
        kind = _classify(executor)
        _kinds[cls] = kind
    return kind


def _classify(executor: object) -> Kind:
    if not isinstance(executor, concurrent.futures.Executor):
        raise TypeError(_not_an_executor(executor))
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return Kind.THREAD
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        return Kind.PROCESS
    if _is_loky(executor):
        return Kind.PROCESS
    cfexecutor = sys.modules.get("distributed.cfexecutor")
    if cfexecutor is not None and isinstance(executor, cfexecutor.ClientExecutor):
        return Kind.DASK
    return Kind.OTHER


def _not_an_executor(executor: object) -> str:
    message = (
        "run_in_executor() expects a concurrent.futures.Executor (ThreadPoolExecutor, "
        f"ProcessPoolExecutor, loky's, or a dask Client.get_executor()), got {executor!r}"
    )
    if executor is None:
        return message + "; to use the default threads, call asynckit.to_thread(fn, ...)"
    if type(executor).__name__ == "Client" and hasattr(executor, "get_executor"):
        return message + "; for a dask.distributed Client, pass client.get_executor()"
    if callable(executor):
        return message + "; the executor comes first: run_in_executor(executor, fn, ...)"
    return message


def _set_done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def wait_done_shielded(
    future: concurrent.futures.Future[Any], loop: asyncio.AbstractEventLoop
) -> None:
    """Wait on asyncio until ``future`` is done, however many times we are cancelled.

    The caller re-raises its cancellation afterwards. The shield stops anyio's cancel
    scopes from re-delivering their cancellation on every loop iteration; plain
    ``task.cancel()`` calls are absorbed.
    """
    with anyio.CancelScope(shield=True):
        while not future.done():
            waiter: asyncio.Future[None] = loop.create_future()

            def notify(_: object, waiter: asyncio.Future[None] = waiter) -> None:
                try:
                    loop.call_soon_threadsafe(_set_done, waiter)
                except RuntimeError:  # pragma: no cover - the loop closed meanwhile
                    pass

            future.add_done_callback(notify)
            try:
                await waiter
            except asyncio.CancelledError:
                pass


def describe(fn: object) -> str:
    """A short name for ``fn`` in error messages."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return f"{name}()" if isinstance(name, str) else repr(fn)


def _is_loky(executor: object) -> bool:
    module = type(executor).__module__
    return module == "loky" or module.startswith("loky.")


def broken_pool_error(executor: object, fn: object, exc: BrokenProcessPool) -> BrokenProcessPool:
    """Explain a dead process pool: which call it broke and what to do next.

    The error keeps the class of ``exc`` (loky's ``TerminatedWorkerError``, say), so that
    code catching it still does.
    """
    if _is_loky(executor):
        advice = (
            "a loky executor refuses all work once one of its workers has died; call "
            "loky.get_reusable_executor() again, which replaces a broken executor with a "
            "new one"
        )
    else:
        advice = (
            "a ProcessPoolExecutor refuses all work once one of its workers has died, so "
            "create a new executor, or use asynckit.to_process() or loky's reusable "
            "executor, which replace dead workers"
        )
    message = (
        f"a worker process of {type(executor).__name__} died while running or waiting to "
        f"run {describe(fn)} (it crashed, was killed, or called os._exit()); {advice} ({exc})"
    )
    try:
        return type(exc)(message)
    except TypeError:  # a subclass whose constructor wants other arguments
        return BrokenProcessPool(message)
