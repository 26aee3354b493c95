"""An offline Mailtrap: sending, sandbox, webhook and inbound APIs plus a web inbox.

A standalone tool for tests, demos and benchmarks; it never imports Anymail or Django.
"""

from .config import EmulatorConfig
from .emulator import Emulator
from .server import EmulatorServer
from .webhooks import sign

__all__ = ["Emulator", "EmulatorConfig", "EmulatorServer", "sign"]
