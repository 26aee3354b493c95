"""What became of a message: sent, not accepted (safe to send again), or unknown.

A send can fail in three ways that matter to whoever sends again:

* **not accepted** -- the ESP surely does not have the message: the call was never
  made, the connection could not be opened, the ESP answered 4xx (429 included) or
  refused the message's batch entry. Sending it again cannot create a duplicate.
* **unknown** -- the request went out but no usable answer came back: the connection
  dropped after sending, the read timed out, the ESP answered 5xx, or a 2xx answer
  could not be understood. The ESP may have the message; sending again may duplicate it.
* **sent** -- the ESP accepted it (a post_send receiver failing afterwards does not
  change that).

Independently, a failure is **fatal** when it would repeat for every other message of
the run -- the API token refused (401/403), the host unreachable, a configuration or
programming error -- and then the engine stops starting calls; any other failure
concerns only its own message and the run goes on.
"""

from __future__ import annotations

import enum

import requests

from ..exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from .retry import MAYBE_ACCEPTED, SAFE, error_kind

#: Answers that say the credentials are wrong: every other call would get the same.
FATAL_STATUSES = frozenset({401, 403})


class Outcome(str, enum.Enum):
    """A message's fate after a send (values are stable: the queue stores them)."""

    SENT = "sent"
    NOT_ACCEPTED = "not_accepted"
    UNKNOWN = "unknown"


def outcome_of(error: BaseException | None) -> Outcome:
    """The outcome of a message whose send ended with `error` (None: it was sent)."""
    if error is None:
        return Outcome.SENT
    explicit = getattr(error, "anymail_outcome", None)
    if isinstance(explicit, Outcome):
        return explicit
    if isinstance(error, AnymailRecipientsRefused):
        return Outcome.NOT_ACCEPTED
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        if 500 <= status <= 599 or 200 <= status <= 299:
            return Outcome.UNKNOWN  # 2xx here: an answer we could not understand
        return Outcome.NOT_ACCEPTED
    cause = transport_cause(error)
    if cause is not None:
        return _transport_outcome(cause)
    return Outcome.NOT_ACCEPTED


def _transport_outcome(cause: requests.RequestException) -> Outcome:
    kind = error_kind(cause)
    if kind == MAYBE_ACCEPTED:
        return Outcome.UNKNOWN
    if kind == SAFE:
        return Outcome.NOT_ACCEPTED
    # Broken answers (the request was sent) vs. requests that could not be made at all
    answered = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    return Outcome.UNKNOWN if isinstance(cause, answered) else Outcome.NOT_ACCEPTED


def is_fatal(error: BaseException) -> bool:
    """True when the same failure would hit every other message: stop starting calls."""
    if getattr(error, "anymail_fatal", None) is not None:
        return bool(error.anymail_fatal)  # type: ignore[attr-defined]
    if not isinstance(error, AnymailError):
        return True  # a programming or configuration error: it will repeat
    if getattr(error, "status_code", None) in FATAL_STATUSES:
        return True
    cause = transport_cause(error)
    if cause is not None:
        return _host_unreachable(cause)
    return False


def mark(error: BaseException, outcome: Outcome | None = None, fatal: bool | None = None) -> None:
    """Pin an error's outcome or fatality where inspection cannot tell (e.g. post_send)."""
    try:
        if outcome is not None:
            error.anymail_outcome = outcome  # type: ignore[attr-defined]
        if fatal is not None:
            error.anymail_fatal = fatal  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__
        pass


def transport_cause(error: BaseException) -> requests.RequestException | None:
    """The requests-level failure behind an error, if the error is one or wraps one."""
    if isinstance(error, requests.RequestException) and not isinstance(error, AnymailAPIError):
        return error
    cause = error.__cause__
    return cause if isinstance(cause, requests.RequestException) else None


def _host_unreachable(cause: requests.RequestException) -> bool:
    """A connection that could not even be opened (refused, timed out, DNS, TLS), after
    the retry policy's attempts: the next message would fare no better."""
    return isinstance(cause, requests.exceptions.SSLError) or error_kind(cause) == SAFE
