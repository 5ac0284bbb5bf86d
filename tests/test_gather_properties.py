"""``asynckit.gather`` with a limit returns exactly what ``asyncio.gather`` returns."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import asynckit

outcomes = st.lists(
    st.tuples(st.integers(0, 3), st.one_of(st.integers(), st.just("error"))),
    max_size=12,
)


async def child(steps: int, outcome: int | str) -> int:
    for _ in range(steps):
        await asyncio.sleep(0)
    if outcome == "error":
        raise ValueError(steps)
    assert isinstance(outcome, int)
    return outcome


async def run(
    plan: list[tuple[int, int | str]], limit: int | None, return_exceptions: bool
) -> tuple[str, object]:
    try:
        if limit is None:
            result = await asyncio.gather(
                *(child(*p) for p in plan), return_exceptions=return_exceptions
            )
        else:
            result = await asynckit.gather(
                *(child(*p) for p in plan), limit=limit, return_exceptions=return_exceptions
            )
    except ValueError as exc:
        return "raised", type(exc)
    finally:
        # Let the children that outlive a failed gather finish, as asyncio leaves them.
        for _ in range(len(plan) * 4 + 4):
            await asyncio.sleep(0)
    return "returned", [r if not isinstance(r, BaseException) else type(r) for r in result]


@settings(max_examples=60, deadline=None)
@given(plan=outcomes, limit=st.integers(1, 5), return_exceptions=st.booleans())
def test_same_outcome_as_asyncio_gather(
    plan: list[tuple[int, int | str]], limit: int, return_exceptions: bool
) -> None:
    expected = asyncio.run(run(plan, None, return_exceptions))
    actual = asyncio.run(run(plan, limit, return_exceptions))
    assert actual == expected


@pytest.mark.parametrize("limit", [1, 2])
def test_same_outcome_on_a_fixed_plan(limit: int) -> None:
    plan: list[tuple[int, int | str]] = [(2, 1), (0, "error"), (1, 3)]
    assert asyncio.run(run(plan, limit, True)) == asyncio.run(run(plan, None, True))
