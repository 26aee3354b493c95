"""A `requests.Session` for many API calls in a row, from several threads at once.

`requests` re-reads the environment (proxy variables, CA bundle) on every call; at a
few hundred calls per second that is a large share of the client's CPU. This session
reads it once per URL for its lifetime -- a session lives for one send_messages call,
or as long as the caller keeps the connection open -- and otherwise behaves exactly
like `requests.Session`.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

from .._version import __version__

#: Names this project and its version (some APIs block requests without an ordinary UA).
USER_AGENT = f"anymail-mailtrap/{__version__} {requests.utils.default_user_agent()}"

_MAX_CACHED_URLS = 32


class AnymailSession(requests.Session):
    """requests.Session with environment settings cached and a pool for `pool_size` calls."""

    def __init__(self, pool_size: int = DEFAULT_POOLSIZE) -> None:
        super().__init__()
        adapter = HTTPAdapter(pool_maxsize=max(DEFAULT_POOLSIZE, pool_size))
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self._environment: dict[tuple[Any, ...], Any] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if proxies:  # explicit per-call proxies: nothing to reuse
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = (url, stream, verify, cert, self.trust_env)
        settings: Any = self._environment.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if len(self._environment) < _MAX_CACHED_URLS:
                self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}
