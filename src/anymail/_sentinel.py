"""The UNSET sentinel: "attribute not provided", as opposed to None ("discard defaults")."""

from __future__ import annotations

from typing import Any, Final


class _UnsetType:
    """Type of UNSET; falsy so `attr or default` idioms behave."""

    _instance: _UnsetType | None = None

    def __new__(cls) -> _UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _UnsetType:
        return self

    def __deepcopy__(self, memo: Any) -> _UnsetType:
        return self

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _UnsetType()
