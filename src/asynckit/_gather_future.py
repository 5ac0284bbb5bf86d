"""The future behind ``gather(..., limit=K)`` and ``gather(..., cancel_on_error=True)`` on asyncio.

It is driven entirely by done callbacks, like ``asyncio.gather``: no extra task runs
the schedule. A child is started (wrapped in a task) only when one of the ``limit``
slots is free, so at most ``limit`` of the awaitables we start are in flight;
awaitables that are already futures run anyway and take no slot.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from asynckit._bounded import BaseExceptionGroup, close_coroutines
from asynckit._util import direct_task_type

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


def _outcome_error(fut: asyncio.Future[Any]) -> BaseException | None:
    """The child's exception (a ``CancelledError`` when cancelled), marking it retrieved."""
    if fut.cancelled():
        try:
            fut.result()
        except asyncio.CancelledError as exc:
            return exc
    return fut.exception()


class BoundedGatheringFuture(asyncio.Future[list[Any]]):
    """Aggregates its children like ``asyncio.gather``'s future, starting them lazily.

    ``cancel()`` cancels the children in flight and closes the coroutines not
    started yet; the future then finishes as ``asyncio.gather``'s does (with a
    ``CancelledError`` once the cancellation has reached the children).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        items: list[Awaitable[Any]],
        positions: list[int] | None,
        *,
        limit: int,
        return_exceptions: bool,
        cancel_on_error: bool,
        coroutines_only: bool = False,
    ) -> None:
        super().__init__(loop=loop)
        self._items: list[Awaitable[Any] | None] = list(items)
        self._positions = positions
        self._children: list[asyncio.Future[Any] | None] = [None] * len(items)
        self._todo: deque[int] = deque(range(len(items)) if coroutines_only else ())
        self._limit = limit
        self._in_flight = 0
        self._nfinished = 0
        self._return_exceptions = return_exceptions
        self._cancel_on_error = cancel_on_error
        self._cancel_requested = False
        # cancel_on_error: the errors to raise once every child has finished.
        self._stopping = False
        self._errors: list[BaseException] = []
        # Every child ended in success so far: the results need no per-child check.
        self._all_succeeded = True
        # One bound method as every started child's done callback, not one per
        # child; dropped once the future is done (it refers back to the future).
        self._on_started_done: Callable[[asyncio.Future[Any]], None] | None = (
            self._started_child_done
        )
        # The done callbacks all run in one copy of the caller's context (they set
        # no context variable), rather than in a fresh copy each: the children
        # they start copy it in turn, as they would the caller's.
        self._callback_context = contextvars.copy_context()
        # Make tasks as BaseEventLoop.create_task() does, without its frame, when
        # the loop is one and has no task factory.
        self._task_type = direct_task_type(loop)
        for index, item in enumerate(() if coroutines_only else items):
            if asyncio.isfuture(item):
                self._children[index] = item
                self._items[index] = None
                item.add_done_callback(self._child_done)
            else:
                self._todo.append(index)
        self._fill()

    # ------------------------------------------------------------------ scheduling

    def _fill(self) -> None:
        """Start waiting awaitables while a slot is free."""
        todo = self._todo
        loop: Any = self._loop
        callback = self._on_started_done or self._started_child_done
        context = self._callback_context
        while todo and self._in_flight < self._limit:
            index = todo.popleft()
            item = self._items[index]
            self._items[index] = None
            try:
                if type(item) is not CoroutineType:
                    child = asyncio.ensure_future(item, loop=loop)  # type: ignore[arg-type]
                elif self._task_type is not None and loop._task_factory is None:
                    child = self._task_type(item, loop=loop)
                else:
                    child = loop.create_task(item)
            except BaseException:
                # The loop refused the task (closed, or a failing task factory):
                # close this coroutine and the rest.
                close_coroutines([item])
                self._close_unstarted()
                raise
            self._in_flight += 1
            self._children[index] = child
            child.add_done_callback(callback, context=context)

    def _close_unstarted(self) -> bool:
        """Close the coroutines not started yet; count them as finished."""
        if not self._todo:
            return False
        items = self._items
        close_coroutines(items[index] for index in self._todo)
        for index in self._todo:
            items[index] = None
        self._nfinished += len(self._todo)
        self._todo.clear()
        return True

    def _started_child_done(self, child: asyncio.Future[Any]) -> None:
        callback = self._on_started_done  # None once this future is done
        # (Not exception() alone: on a cancelled child it would consume the
        # CancelledError that result() must raise later.)
        if not child.cancelled() and child.exception() is None and callback is not None:
            # Fast path: a child succeeded while the gather runs on.
            self._nfinished += 1
            todo = self._todo
            if not todo:
                self._in_flight -= 1
                if self._nfinished == len(self._children):
                    self._finish()
                return
            items = self._items
            item = items[todo[0]]
            loop: Any = self._loop
            if (
                type(item) is CoroutineType
                and self._task_type is not None
                and loop._task_factory is None
            ):
                # _fill() for the one slot this child freed, inlined
                index = todo.popleft()
                items[index] = None
                try:
                    task = self._task_type(item, loop=loop)
                except BaseException:  # pragma: no cover - as in _fill()
                    self._in_flight -= 1
                    close_coroutines([item])
                    self._close_unstarted()
                    raise
                self._children[index] = task
                task.add_done_callback(callback, context=self._callback_context)
                return
            self._in_flight -= 1
            self._fill()
            return
        self._in_flight -= 1
        self._child_done(child)

    # ------------------------------------------------------------------ completion

    def _child_done(self, child: asyncio.Future[Any]) -> None:
        self._nfinished += 1
        self._all_succeeded = False
        if self.done():
            # The gather already failed (first error without cancel_on_error):
            # like asyncio.gather, the other children keep running; mark their
            # errors retrieved and keep the schedule going.
            _outcome_error(child)
            self._fill()
            return
        error = _outcome_error(child)
        if self._stopping:
            if error is not None and not isinstance(error, asyncio.CancelledError):
                self._errors.append(error)
        elif error is not None and not self._return_exceptions:
            if self._cancel_on_error:
                self._errors.append(error)
                self._stop()
            else:
                self.set_exception(error)
                self._on_started_done = None
                self._fill()
                return
        else:
            self._fill()
        if self._nfinished == len(self._children):
            self._finish()

    def _stop(self) -> None:
        """cancel_on_error: cancel everything in flight, start nothing more."""
        self._stopping = True
        self._close_unstarted()
        for child in self._children:
            if child is not None and not child.done():
                child.cancel()

    def _finish(self) -> None:
        self._on_started_done = None
        if self._stopping:
            self.set_exception(self._stopped_error())
            return
        if self._cancel_requested:
            # Cancelling gather() propagates the cancellation even with
            # return_exceptions=True (bpo-32684), as asyncio.gather does.
            self.set_exception(asyncio.CancelledError())
            return
        children = self._children
        results: list[Any]
        if self._all_succeeded:
            results = [child.result() for child in children]  # type: ignore[union-attr]
        else:
            results = []
            for child in children:
                assert child is not None
                error = _outcome_error(child)
                results.append(child.result() if error is None else error)
        positions = self._positions
        if positions is not None:  # an awaitable was passed more than once
            results = [results[index] for index in positions]
        self.set_result(results)

    def _stopped_error(self) -> BaseException:
        errors = self._errors
        first = errors[0]
        if isinstance(first, asyncio.CancelledError) and len(errors) > 1:
            # A child was cancelled first, then others failed while being
            # cancelled: their errors matter more than the cancellation.
            errors = errors[1:]
        if len(errors) == 1:
            return errors[0]
        self._errors = []
        group: BaseException = BaseExceptionGroup(
            "multiple errors in gather(cancel_on_error=True)", errors
        )
        return group

    def cancel(self, msg: Any | None = None) -> bool:
        """Cancel the children in flight and close the coroutines not started yet."""
        if self.done():
            return False
        cancelled = self._close_unstarted()
        for child in self._children:
            if child is not None and child.cancel(msg=msg):
                cancelled = True
        if cancelled:
            # Unstarted items are only left while a started child is in flight:
            # that child's completion finishes the future.
            self._cancel_requested = True
        return cancelled
