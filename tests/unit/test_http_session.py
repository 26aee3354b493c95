"""AnymailSession: environment settings read once per URL, otherwise a plain Session."""

from __future__ import annotations

from anymail.sending.http_session import AnymailSession


def test_environment_proxies_are_honoured_and_read_once(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = AnymailSession()
    url = "https://send.api.mailtrap.io/api/send"
    first = session.merge_environment_settings(url, {}, None, None, None)
    assert first["proxies"]["https"] == "http://proxy.example:3128"
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")
    assert session.merge_environment_settings(url, {}, None, None, None) == first
    # a new session (the next send_messages) sees the change
    fresh = AnymailSession().merge_environment_settings(url, {}, None, None, None)
    assert fresh["proxies"]["https"] == "http://other.example:3128"


def test_callers_cannot_change_the_cached_settings():
    session = AnymailSession()
    url = "https://send.api.mailtrap.io/api/send"
    session.merge_environment_settings(url, {}, None, None, None)["proxies"]["x"] = "y"
    assert "x" not in session.merge_environment_settings(url, {}, None, None, None)["proxies"]


def test_explicit_proxies_bypass_the_cache():
    session = AnymailSession()
    proxies = {"https": "http://explicit.example:1"}
    settings = session.merge_environment_settings("https://x.example/", proxies, None, None, None)
    assert settings["proxies"]["https"] == "http://explicit.example:1"


def test_pool_is_at_least_the_requested_size():
    assert AnymailSession(pool_size=64).get_adapter("https://x.example")._pool_maxsize == 64
    assert AnymailSession(pool_size=1).get_adapter("https://x.example")._pool_maxsize == 10
