"""Property-based tests: random trees of children that succeed, fail, hang or are cancelled.

Each tree is a group whose children are leaves or nested groups. A leaf waits a few
checkpoints and then returns, raises a unique error, hangs until cancelled, or is
cancelled through its handle by the group's body. The body may raise, cancel the
group, or cancel an enclosing scope. Whatever the interleaving, no error raised by a
child is lost, no outside cancellation is lost, every child ends, and a group that
saw no error and no cancellation reports every result in creation order.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asynckit import TaskGroup, TaskHandle
from tests._taskgroup_helpers import collect_garbage

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]


class LeafError(Exception):
    """Raised by a failing leaf; carries the leaf's id."""


@dataclass(frozen=True)
class Leaf:
    kind: str  # "ok", "fail", "hang", "victim"
    steps: int


@dataclass(frozen=True)
class Group:
    children: tuple[Node, ...]
    steps: int
    body: str  # "end", "raise", "cancel"
    cancel_on_error: bool
    limit: int | None
    keep_results: bool


Node = Leaf | Group


@dataclass
class Run:
    raised: set[int] = field(default_factory=set)
    handles: list[TaskHandle[Any]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=itertools.count)


class BodyError(Exception):
    """Raised by a group's body when its tree says so."""


leaves = st.builds(
    Leaf, kind=st.sampled_from(["ok", "fail", "hang", "victim"]), steps=st.integers(0, 3)
)


def groups(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.builds(
        Group,
        children=st.lists(children, max_size=4).map(tuple),
        steps=st.integers(0, 3),
        body=st.sampled_from(["end", "end", "raise", "cancel"]),
        cancel_on_error=st.booleans(),
        limit=st.one_of(st.none(), st.integers(1, 3)),
        keep_results=st.booleans(),
    )


trees = groups(st.recursive(leaves, groups, max_leaves=10))


async def checkpoints(n: int) -> None:
    for _ in range(n):
        await anyio.lowlevel.checkpoint()


async def run_leaf(leaf: Leaf, run: Run) -> int:
    leaf_id = next(run.ids)
    await checkpoints(leaf.steps)
    if leaf.kind == "fail":
        run.raised.add(leaf_id)
        raise LeafError(leaf_id)
    if leaf.kind in ("hang", "victim"):
        await anyio.sleep_forever()
    return leaf_id


async def run_group(group: Group, run: Run) -> None:
    async with TaskGroup(
        cancel_on_error=group.cancel_on_error, limit=group.limit, keep_results=group.keep_results
    ) as tg:
        handles: list[TaskHandle[Any]] = []
        victims: list[TaskHandle[Any]] = []
        for child in group.children:
            coro = run_leaf(child, run) if isinstance(child, Leaf) else run_group(child, run)
            handle = tg.create_task(coro)
            handles.append(handle)
            run.handles.append(handle)
            if isinstance(child, Leaf) and child.kind == "victim":
                victims.append(handle)
        await checkpoints(group.steps)
        for victim in victims:
            victim.cancel()
        if group.body == "raise":
            raise BodyError
        if group.body == "cancel" or any(
            isinstance(c, Leaf) and c.kind == "hang" for c in group.children
        ):
            tg.cancel()
    if group.keep_results:
        assert tg.handles == handles
        if not any(h.cancelled() or h.exception() for h in handles):
            assert len(tg.results()) == len(group.children)


def error_ids(exc: BaseException) -> tuple[set[int], int]:
    """The ids of the LeafErrors in ``exc``, and how many BodyErrors it holds."""
    if isinstance(exc, BaseExceptionGroup):
        ids: set[int] = set()
        bodies = 0
        for sub in exc.exceptions:
            sub_ids, sub_bodies = error_ids(sub)
            ids |= sub_ids
            bodies += sub_bodies
        return ids, bodies
    if isinstance(exc, LeafError):
        return {exc.args[0]}, 0
    assert isinstance(exc, BodyError), f"unexpected {exc!r}"
    return set(), 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees, outer_cancel=st.booleans())
async def test_random_trees_lose_nothing(tree: Group, outer_cancel: bool) -> None:
    run = Run()
    error: BaseException | None = None
    with anyio.CancelScope() as scope:
        if outer_cancel:
            scope.cancel()
        try:
            await run_group(tree, run)
        except BaseExceptionGroup as exc:
            error = exc
        if outer_cancel:
            await anyio.sleep_forever()
            pytest.fail("the outside cancellation was lost")  # pragma: no cover
    assert scope.cancelled_caught == outer_cancel
    assert all(h.done() for h in run.handles)
    found, _ = error_ids(error) if error is not None else (set(), 0)
    # Every error raised by a child is reported, and nothing else.
    assert found == run.raised
    collect_garbage()
