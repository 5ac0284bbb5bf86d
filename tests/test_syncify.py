"""syncify: async functions called from sync code through a shared LoopThread."""

from __future__ import annotations

import asyncio
import threading

import anyio
import pytest

from asynckit import LoopThread, _syncify, syncify


async def add(a: int, b: int = 0, *, scale: int = 1) -> int:
    await anyio.lowlevel.checkpoint()
    return (a + b) * scale


async def running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def _current_default() -> LoopThread | None:
    return _syncify._default


def test_syncify_returns_a_blocking_function() -> None:
    sync_add = syncify(add)
    assert sync_add(1, 2) == 3
    assert sync_add(1, b=2, scale=10) == 30
    assert sync_add.__name__ == "add"
    assert sync_add.__wrapped__ is add  # type: ignore[attr-defined]


def test_every_syncified_function_shares_one_loop() -> None:
    first = syncify(running_loop)()
    second = syncify(running_loop)()
    assert first is second
    assert _syncify._default is not None
    assert _syncify._default.name == "asynckit-syncify"


def test_the_default_loop_thread_is_started_once_under_contention() -> None:
    default, lock = _syncify._default, _syncify._default_lock
    _syncify._default = None
    try:
        loops: list[asyncio.AbstractEventLoop] = []
        barrier = threading.Barrier(8)

        def caller() -> None:
            barrier.wait()
            loops.append(syncify(running_loop)())

        threads = [threading.Thread(target=caller) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(map(id, loops))) == 1
    finally:
        created = _current_default()
        _syncify._default, _syncify._default_lock = default, lock
        if created is not None:
            created.close()


def test_syncify_on_an_explicit_loop_thread() -> None:
    with LoopThread(backend="trio") as loop_thread:
        sync_add = syncify(add, loop_thread=loop_thread)
        assert sync_add(2, scale=3) == 6


def test_syncify_refuses_non_callables() -> None:
    coro = add(1)
    with pytest.raises(TypeError, match=r"pass the function itself: syncify\(fn\)"):
        syncify(coro)  # type: ignore[arg-type]
    coro.close()


def test_syncify_inside_the_default_loop_raises() -> None:
    async def nested() -> int:
        return syncify(add)(1)

    with pytest.raises(RuntimeError, match="own event loop thread"):
        syncify(nested)()


def test_the_default_loop_thread_created_by_a_racing_thread_is_used() -> None:
    default, lock = _syncify._default, _syncify._default_lock
    winner = LoopThread()

    class RacingLock:
        """Another thread creates the default while this one waits for the lock."""

        def __enter__(self) -> None:
            _syncify._default = winner

        def __exit__(self, *exc_info: object) -> None:
            return None

    _syncify._default = None
    _syncify._default_lock = RacingLock()  # type: ignore[assignment]
    try:
        assert _syncify._default_loop_thread() is winner
    finally:
        _syncify._default, _syncify._default_lock = default, lock
