"""An offline Mailtrap: sending, sandbox, webhook and inbound APIs plus a web inbox.

A standalone tool for tests, demos and benchmarks; it never imports Anymail or Django.
"""

from typing import TYPE_CHECKING, Any

from .config import EmulatorConfig
from .webhooks import sign

if TYPE_CHECKING:
    from .emulator import Emulator
    from .server import EmulatorServer

__all__ = ["Emulator", "EmulatorConfig", "EmulatorServer", "sign"]


def __getattr__(name: str) -> Any:
    """Emulator and EmulatorServer, imported on first use: they need the `emulator` extra
    (uvicorn, starlette), and `mailtrap-emulator` must get as far as saying so."""
    if name == "Emulator":
        from .emulator import Emulator

        return Emulator
    if name == "EmulatorServer":
        from .server import EmulatorServer

        return EmulatorServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
