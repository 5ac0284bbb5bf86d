"""Static types of the timeout API, checked by mypy (and run, trivially, by pytest)."""

from __future__ import annotations

import sys

import asynckit

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


@asynckit.with_timeout(1)
async def fetch(url: str, *, retries: int = 0) -> bytes:
    return url.encode() * (retries + 1)


async def typed_usage() -> None:
    assert_type(await fetch("x", retries=2), bytes)
    async with asynckit.timeout(1) as cm:
        assert_type(cm, asynckit.Timeout)
        assert_type(cm.when(), float | None)
        assert_type(cm.deadline, float)
        assert_type(cm.expired(), bool)
    async with asynckit.move_on_after(None) as scope:
        assert_type(scope.cancelled_caught, bool)
    assert_type(await asynckit.wait_for(fetch("y"), 1), bytes)
    with asynckit.shielded() as shield:
        assert_type(shield, asynckit.CancelShield)


def test_typed_usage_is_a_coroutine_function() -> None:
    import inspect

    assert inspect.iscoroutinefunction(typed_usage)
