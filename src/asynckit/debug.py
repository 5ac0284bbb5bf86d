"""Debug tooling: never-awaited coroutines with their creation site, and a blocking watchdog.

``detect_unawaited`` finds coroutines that were created and never started, asyncio
tasks destroyed while pending and exceptions never retrieved, naming the line that
created each; ``enable`` turns on asyncio's debug mode plus a watchdog that shows
the line the event loop is blocked on. The ``asynckit debug`` command runs a
program under both, and the pytest plugin fails the test that leaked.
"""

from asynckit._debug_detector import detect_unawaited as detect_unawaited
from asynckit._debug_report import Finding as Finding
from asynckit._debug_report import SourceLocation as SourceLocation
from asynckit._debug_report import Stall as Stall
from asynckit._debug_report import UnawaitedCoroutineError as UnawaitedCoroutineError
from asynckit._debug_report import UnawaitedCoroutineWarning as UnawaitedCoroutineWarning
from asynckit._debug_watchdog import Watchdog as Watchdog
from asynckit._debug_watchdog import enable as enable
from asynckit._util import fixup_module_metadata as _fixup_module_metadata

__all__ = [
    "Finding",
    "SourceLocation",
    "Stall",
    "UnawaitedCoroutineError",
    "UnawaitedCoroutineWarning",
    "Watchdog",
    "detect_unawaited",
    "enable",
]

_fixup_module_metadata(__name__, globals())
del _fixup_module_metadata
