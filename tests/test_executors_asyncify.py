"""asyncify: decorator forms, signatures, options and their validation."""

from __future__ import annotations

import concurrent.futures
import inspect
from typing import Any

import anyio
import pytest

import asynckit
from tests._executors_helpers import add


def test_keeps_the_signature_and_metadata() -> None:
    wrapped = asynckit.asyncify(add)
    assert inspect.iscoroutinefunction(wrapped)
    assert wrapped.__name__ == "add"
    assert wrapped.__wrapped__ is add  # type: ignore[attr-defined]
    assert inspect.signature(wrapped) == inspect.signature(add)


@pytest.mark.parametrize("executor", [None, "thread", "process"])
async def test_bare_and_configured_forms(executor: Any) -> None:
    assert await asynckit.asyncify(add, executor=executor)(1, b=2) == 3
    assert await asynckit.asyncify(executor=executor)(add)(2, b=2) == 4


async def test_executor_with_limiter_on_every_kind() -> None:
    limiter = anyio.CapacityLimiter(1)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert await asynckit.asyncify(add, executor=pool, limiter=limiter)(1, b=1) == 2
    assert limiter.borrowed_tokens == 0


def test_rejects_unknown_executor_names() -> None:
    with pytest.raises(ValueError, match="'thread', 'process' or None, got 'threads'"):
        asynckit.asyncify(add, executor="threads")  # type: ignore[call-overload]


def test_rejects_non_executors_at_decoration_time() -> None:
    with pytest.raises(TypeError, match=r"expects a concurrent\.futures\.Executor"):
        asynckit.asyncify(add, executor=object())  # type: ignore[call-overload]


def test_rejects_async_functions_at_decoration_time() -> None:
    async def coro_fn() -> None:
        raise AssertionError

    with pytest.raises(TypeError, match="asyncify\\(\\) runs blocking"):
        asynckit.asyncify(coro_fn)
