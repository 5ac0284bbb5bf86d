"""CPython's own tests for ``asyncio.to_thread``, run against ``asynckit.to_thread``.

The test module's ``asyncio`` global is swapped for a namespace whose ``to_thread`` is
ours, so every test of ``test.test_asyncio.test_threads.ToThreadTests`` exercises it.
"""

from __future__ import annotations

import asyncio
import sys
import types
import unittest
import unittest.async_case
from typing import TYPE_CHECKING, Any

import pytest

import asynckit

if TYPE_CHECKING:
    from collections.abc import Callable

test_threads = pytest.importorskip("test.test_asyncio.test_threads")


def _namespace() -> types.SimpleNamespace:
    names = {name: getattr(asyncio, name) for name in dir(asyncio) if not name.startswith("__")}
    names["to_thread"] = asynckit.to_thread
    return types.SimpleNamespace(**names)


def test_cpython_to_thread_tests(
    monkeypatch: pytest.MonkeyPatch,
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    monkeypatch.setattr(test_threads, "asyncio", _namespace())

    class ToThreadTests(test_threads.ToThreadTests):  # type: ignore[name-defined,misc]
        loop_factory = staticmethod(asyncio_loop_factory)  # IsolatedAsyncioTestCase, 3.13+

        if (3, 11) <= sys.version_info < (3, 13):

            def _setupAsyncioRunner(self) -> None:
                self._asyncioRunner = asyncio.Runner(  # type: ignore[attr-defined,unused-ignore]
                    debug=True, loop_factory=self.loop_factory
                )

    if sys.version_info < (3, 11):
        async_case = types.SimpleNamespace(**vars(asyncio))
        async_case.new_event_loop = asyncio_loop_factory
        monkeypatch.setattr(unittest.async_case, "asyncio", async_case)

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(ToThreadTests)
    result = unittest.TestResult()
    suite.run(result)
    problems: list[Any] = [*result.errors, *result.failures]
    assert not problems, "\n".join(str(p[1]) for p in problems)
    assert result.testsRun == 6
