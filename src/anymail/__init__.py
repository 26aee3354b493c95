"""Anymail for Mailtrap: Django email backend, webhooks and inbound parsing."""

from ._version import __version__

VERSION: tuple[int | str, ...] = tuple(
    int(part) if part.isdigit() else part for part in __version__.split(".")
)

__all__ = ["VERSION", "__version__"]
