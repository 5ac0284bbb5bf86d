"""Static typing of the bridges: mypy checks this file (an unused ignore is an error).

Each ``type: ignore`` marks a call that a type checker must reject; ``assert_type``
pins the result types. At run time the checks run too, on asyncio.
"""

from __future__ import annotations

import concurrent.futures
import sys

import anyio
import pytest

import asynckit
from tests._backends import ASYNCIO_BACKENDS
from tests._executors_helpers import add

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


async def test_arguments_are_checked_against_the_function() -> None:
    assert_type(await asynckit.to_thread(add, 1, b=2), int)
    with pytest.raises(TypeError):
        await asynckit.to_thread(add, 1, c=2)  # type: ignore[call-arg]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert_type(await asynckit.run_in_executor(pool, add, 1), int)
        with pytest.raises(TypeError):
            await asynckit.run_in_executor(pool, add)  # type: ignore[call-arg]
    assert_type(await asynckit.to_process(add, 1, b=1), int)


async def test_to_thread_limiter_keeps_the_positional_arguments_checked() -> None:
    limiter = anyio.CapacityLimiter(1)
    assert_type(await asynckit.to_thread(add, 1, 2, limiter=limiter), int)
    assert_type(await asynckit.to_thread(add, 1, limiter=None), int)
    with pytest.raises(TypeError):
        await asynckit.to_thread(add, "1", limiter=limiter)  # type: ignore[arg-type]


async def test_asyncify_keeps_the_signature_for_type_checkers() -> None:
    wrapped = asynckit.asyncify(add, limiter=anyio.CapacityLimiter(2))
    assert_type(await wrapped(1, b=2), int)

    @asynckit.asyncify(executor="thread")
    def shout(text: str, *, times: int = 1) -> str:
        return text.upper() * times

    assert_type(await shout("a", times=2), str)
    with pytest.raises(TypeError):
        await shout("a", loud=True)  # type: ignore[call-arg]
