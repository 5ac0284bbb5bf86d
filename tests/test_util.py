from __future__ import annotations

import types

from asynckit._util import fixup_module_metadata


def test_fixup_rewrites_private_module_and_renamed_exports() -> None:
    def impl() -> None: ...

    class Thing:
        def method(self) -> None: ...

    impl.__module__ = "asynckit._private"
    impl.__qualname__ = "impl"
    Thing.__qualname__ = "Thing"
    Thing.__module__ = "asynckit._private"
    Thing.method.__module__ = "asynckit._private"
    foreign = types.SimpleNamespace()
    namespace = {
        "__all__": ["Thing", "alias", "foreign", "same"],
        "Thing": Thing,
        "alias": impl,
        "foreign": foreign,
        "same": impl,
    }
    fixup_module_metadata("asynckit", namespace)
    assert Thing.__module__ == "asynckit"
    assert Thing.method.__module__ == "asynckit"
    assert impl.__module__ == "asynckit"
    assert impl.__name__ == "alias"
    assert Thing.__qualname__ == "Thing"
