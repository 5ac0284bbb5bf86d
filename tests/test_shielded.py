"""shielded(): a block that outside cancellation waits for, on every backend."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

import asynckit
from tests._virtual_time import VIRTUAL_TIME_BACKENDS


@pytest.fixture(params=VIRTUAL_TIME_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


async def test_shielded_block_defers_outer_timeout() -> None:
    start = anyio.current_time()
    done = []
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1) as cm:
            with asynckit.shielded() as shield:
                assert repr(shield) == "<CancelShield [active]>"
                await anyio.sleep(5)
                done.append(anyio.current_time() - start)
            await anyio.sleep(3600)
    assert done == [pytest.approx(5)]
    assert anyio.current_time() == pytest.approx(start + 5)
    assert cm.cancelled_caught
    assert repr(shield) == "<CancelShield [finished]>"


async def test_timeout_inside_shielded_block_still_fires() -> None:
    with asynckit.shielded(), pytest.raises(TimeoutError):
        async with asynckit.timeout(1):
            await anyio.sleep(3600)


async def test_nested_shields_release_at_the_outermost() -> None:
    start = anyio.current_time()
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1):
            with asynckit.shielded():
                with asynckit.shielded():
                    await anyio.sleep(2)
                await anyio.sleep(2)
            await anyio.sleep(3600)
    assert anyio.current_time() == pytest.approx(start + 4)


async def test_deadline_passed_in_shield_cannot_be_moved() -> None:
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1) as cm:
            with asynckit.shielded():
                await anyio.sleep(2)
                assert cm.expired()
                with pytest.raises(RuntimeError, match="expiring"):
                    cm.reschedule(None)
            await anyio.sleep(10)


async def test_scope_ending_right_after_shield_does_not_time_out() -> None:
    async with asynckit.timeout(1) as cm:
        with asynckit.shielded():
            await anyio.sleep(2)
    assert cm.expired()
    assert not cm.cancelled_caught
    await anyio.lowlevel.checkpoint()


async def test_shield_misuse() -> None:
    shield = asynckit.shielded()
    with shield, pytest.raises(RuntimeError, match="already been entered"):
        shield.__enter__()
    with pytest.raises(RuntimeError, match="is not active"):
        shield.__exit__(None, None, None)


def test_shield_outside_async_code() -> None:
    with pytest.raises(RuntimeError, match="shielded"), asynckit.shielded():
        pass  # pragma: no cover


def test_shield_on_trio_points_to_shielded() -> None:
    trio = pytest.importorskip("trio")

    async def main() -> None:
        coro = anyio.sleep(0)
        with pytest.raises(RuntimeError, match="shielded"):
            asynckit.shield(coro)

    trio.run(main)


def test_shield_on_trio_with_a_non_coroutine() -> None:
    trio = pytest.importorskip("trio")

    class Awaitable:
        def __await__(self) -> Any:
            yield

    async def main() -> None:
        with pytest.raises(RuntimeError, match="asyncio-only"):
            asynckit.shield(Awaitable())

    trio.run(main)


async def test_shielded_block_holds_off_an_anyio_scope() -> None:
    done = []
    with anyio.move_on_after(1) as outer:
        with asynckit.shielded():
            await anyio.sleep(5)
            done.append(True)
        await anyio.sleep(3600)
    assert done == [True]
    assert outer.cancelled_caught
