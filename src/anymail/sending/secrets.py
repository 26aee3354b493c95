"""Credentials stay out of error reports: masked reprs, and third-party frames without locals.

Django's error reports (the DEBUG page, the admin error email with `include_html`) and
tools like Sentry show the local variables of every frame of an exception's traceback,
and of the exceptions chained to it, by their `repr`. Django's `sensitive_variables`
hides chosen locals only when DEBUG is off, and only in frames at or below the decorated
function. So, whatever the settings:

* request headers that carry a credential are a `SecretHeaders` dict, whose repr masks
  it -- in our own frames (`params`, `headers`, a payload's `headers`) the token shows
  as `***`;
* a `requests` failure is kept with its traceback (file, line, code: still useful), but
  the frames' local variables -- requests' and urllib3's copies of the headers among
  them -- are dropped (`forget_locals`) before the error is chained to an Anymail error.
"""

from __future__ import annotations

import traceback
from typing import Any

#: Header names (lower case) whose values are credentials.
SECRET_HEADERS = frozenset({"api-token", "authorization", "proxy-authorization", "x-api-key"})
MASK = "***"


def is_secret_header(name: Any) -> bool:
    return isinstance(name, str) and name.lower() in SECRET_HEADERS


def masked(headers: Any) -> dict[Any, Any]:
    """A plain copy of the headers with credential values replaced by `***`."""
    return {
        name: MASK if is_secret_header(name) else value for name, value in dict(headers).items()
    }


class SecretHeaders(dict[str, Any]):
    """Request headers whose repr (and so pprint, and error reports) masks credentials.

    Otherwise an ordinary dict: `requests` sends the real values, and equality,
    copies and lookups behave as usual.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(masked(self))


class Secret:
    """A value (a signed URL, ...) kept in a local variable whose repr must not show it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {MASK}>"


def forget_locals(error: BaseException | None) -> None:
    """Drop the local variables of the (finished) frames in the tracebacks of `error` and
    of every exception chained to it, keeping the tracebacks themselves.

    Frames still running (the caller's) are left alone: clear only once the code that
    raised has returned.
    """
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]
