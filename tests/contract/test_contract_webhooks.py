"""§6.1-§6.4, §1.3: webhook URLs, methods, CSRF/login exemption, basic auth, signatures.

View-level exact texts are checked by calling the view directly (RequestFactory),
where the AnymailWebhookValidationFailure propagates; HTTP statuses through
Django's test client, where it becomes a 400.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import django
import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from anymail import urls as anymail_urls
from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailInsecureWebhookWarning,
    AnymailWebhookValidationFailure,
)
from anymail.signals import tracking
from anymail.webhooks.base import (
    AnymailBaseWebhookView,
    AnymailBasicAuthMixin,
    AnymailCoreWebhookView,
)
from anymail.webhooks.mailtrap import (
    MailtrapInboundWebhookView,
    MailtrapTrackingWebhookView,
    MailtrapWebhookView,
)

from ._receiving import (
    INBOUND_URL,
    TOKEN,
    TRACKING_URL,
    VECTOR_BODY,
    VECTOR_SECRET,
    VECTOR_SIGNATURE,
    WEBHOOK_USER_PASS,
    basic_auth,
    inbound_entry,
    recording,
    sign,
    tracking_event,
)

BASIC_AUTH_FAILURE = "Missing or invalid basic auth in Anymail Mailtrap webhook"
NO_SIGNATURE = "Mailtrap webhook called without signature"
BAD_TRACKING_SIGNATURE = (
    "Mailtrap webhook called with incorrect signature "
    "(check Anymail MAILTRAP_TRACKING_SECRET setting)"
)
BAD_INBOUND_SIGNATURE = (
    "Mailtrap webhook called with incorrect signature "
    "(check Anymail MAILTRAP_INBOUND_SECRET setting)"
)
TRACKING_BODY = json.dumps({"events": [tracking_event()]})
SAMPLE_INBOUND_BODY = json.dumps(
    {"events": [{"event": "inbound_message_received", "message_id": "x", "inbound_inbox_id": 1}]}
)

rf = RequestFactory()


def tracking_request(body: str = TRACKING_BODY, **meta: str) -> Any:
    return rf.post(TRACKING_URL, data=body, content_type="application/json", **meta)  # type: ignore[arg-type]


def call_tracking(body: str = TRACKING_BODY, view_kwargs: Any = None, **headers: str) -> Any:
    view = MailtrapTrackingWebhookView.as_view(**(view_kwargs or {}))
    return view(tracking_request(body, **headers))


@pytest.fixture
def secured(settings: Any) -> Any:
    """Basic auth configured (so no insecure-webhook warning)."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_API_TOKEN": TOKEN}
    return settings


@pytest.fixture
def signed_only(settings: Any) -> Any:
    """Only signing secrets configured (no WEBHOOK_SECRET)."""
    settings.ANYMAIL = {
        "MAILTRAP_TRACKING_SECRET": "tracking-secret",
        "MAILTRAP_INBOUND_SECRET": "inbound-secret",
        "MAILTRAP_API_TOKEN": TOKEN,
    }
    return settings


def auth_client() -> Client:
    return Client(headers={"Authorization": basic_auth()})


# --- §0/§6.1 names and URLs --------------------------------------------------------


def test_urls_app_name_is_anymail() -> None:
    assert anymail_urls.app_name == "anymail"


def test_tracking_url_name_reverses_to_mailtrap_tracking_path() -> None:
    assert reverse("anymail:mailtrap_tracking_webhook") == "/anymail/mailtrap/tracking/"


def test_inbound_url_name_reverses_to_mailtrap_inbound_path() -> None:
    assert reverse("anymail:mailtrap_inbound_webhook") == "/anymail/mailtrap/inbound/"


def test_tracking_url_routes_to_tracking_view() -> None:
    assert resolve(TRACKING_URL).func.view_class is MailtrapTrackingWebhookView  # type: ignore[attr-defined]


def test_inbound_url_routes_to_inbound_view() -> None:
    assert resolve(INBOUND_URL).func.view_class is MailtrapInboundWebhookView  # type: ignore[attr-defined]


def test_view_class_hierarchy() -> None:
    assert issubclass(AnymailBaseWebhookView, AnymailBasicAuthMixin)
    assert issubclass(AnymailBaseWebhookView, AnymailCoreWebhookView)
    assert issubclass(MailtrapWebhookView, AnymailBaseWebhookView)
    assert issubclass(MailtrapTrackingWebhookView, MailtrapWebhookView)
    assert issubclass(MailtrapInboundWebhookView, MailtrapWebhookView)


def test_validation_failure_is_a_suspicious_operation() -> None:
    assert issubclass(AnymailWebhookValidationFailure, SuspiciousOperation)


# --- §6.2 methods ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_get_is_405(secured: Any, url: str) -> None:
    assert auth_client().get(url).status_code == 405


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_head_is_200_and_empty(secured: Any, url: str) -> None:
    response = auth_client().head(url)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_head_skips_validation(secured: Any, url: str) -> None:
    assert Client().head(url).status_code == 200  # no credentials at all


def test_head_skips_signature_validation(signed_only: Any) -> None:
    assert Client().head(TRACKING_URL).status_code == 200


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_options_is_200_with_allow_header(secured: Any, url: str) -> None:
    response = Client().options(url)
    assert response.status_code == 200
    assert response["Allow"] == "POST, HEAD, OPTIONS"


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(secured: Any, url: str, method: str) -> None:
    assert getattr(auth_client(), method)(url).status_code == 405


def test_post_returns_200_empty(secured: Any) -> None:
    response = auth_client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 200
    assert response.content == b""


# --- §6.2 CSRF and LoginRequiredMiddleware --------------------------------------------


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_views_are_csrf_exempt(secured: Any, url: str) -> None:
    assert resolve(url).func.csrf_exempt is True  # type: ignore[attr-defined]


def test_post_passes_csrf_middleware_without_token(secured: Any) -> None:
    secured.MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    client = Client(enforce_csrf_checks=True, headers={"Authorization": basic_auth()})
    response = client.post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 200


needs_login_required_middleware = pytest.mark.skipif(
    django.VERSION < (5, 1), reason="LoginRequiredMiddleware is Django 5.1+"
)


@needs_login_required_middleware
@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_views_are_login_not_required(secured: Any, url: str) -> None:
    assert resolve(url).func.login_required is False  # type: ignore[attr-defined]


@needs_login_required_middleware
def test_post_passes_login_required_middleware_anonymously(secured: Any) -> None:
    secured.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    response = auth_client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 200


# --- §6.3 basic auth -------------------------------------------------------------------


def test_basic_auth_correct_credentials_pass(secured: Any) -> None:
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth()).status_code == 200


def test_basic_auth_missing_credentials_exact_text(secured: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking()
    assert str(info.value) == BASIC_AUTH_FAILURE


def test_basic_auth_wrong_credentials_exact_text(secured: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking(HTTP_AUTHORIZATION=basic_auth("whuser:wrong"))
    assert str(info.value) == BASIC_AUTH_FAILURE


def test_basic_auth_failure_is_http_400(secured: Any) -> None:
    response = Client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 400


def test_basic_auth_failure_sends_no_signal(secured: Any) -> None:
    with recording(tracking) as rec:
        Client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert rec.calls == []


@pytest.mark.parametrize(
    "header",
    ["Bearer d2h1c2VyOndocGFzcw==", "Basic not-base64!!", "Basic", "whuser:whpass"],
)
def test_basic_auth_other_scheme_or_garbled_header_fails(secured: Any, header: str) -> None:
    with pytest.raises(AnymailWebhookValidationFailure, match=BASIC_AUTH_FAILURE):
        call_tracking(HTTP_AUTHORIZATION=header)


def test_basic_auth_credentials_decoded_as_utf8(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "üser:pässwörd"}
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth("üser:pässwörd")).status_code == 200


@pytest.mark.parametrize("credentials", ["new:new", "old:old"])
def test_basic_auth_rotation_list_accepts_any_entry(settings: Any, credentials: str) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["new:new", "old:old"]}
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth(credentials)).status_code == 200


def test_basic_auth_rotation_tuple_accepts_any_entry(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ("new:new", "old:old")}
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth("old:old")).status_code == 200


def test_basic_auth_rotation_list_rejects_others(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["new:new", "old:old"]}
    with pytest.raises(AnymailWebhookValidationFailure, match=BASIC_AUTH_FAILURE):
        call_tracking(HTTP_AUTHORIZATION=basic_auth("new:old"))


def test_webhook_secret_from_prefixed_setting(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.ANYMAIL_WEBHOOK_SECRET = "pre:fixed"
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth("pre:fixed")).status_code == 200
    with pytest.raises(AnymailWebhookValidationFailure):
        call_tracking(HTTP_AUTHORIZATION=basic_auth())


def test_webhook_secret_has_no_esp_prefixed_variant(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_WEBHOOK_SECRET": "esp:prefixed"}
    with pytest.warns(AnymailInsecureWebhookWarning):
        response = call_tracking()
    assert response.status_code == 200


def test_as_view_basic_auth_overrides_setting(secured: Any) -> None:
    kwargs = {"basic_auth": ["view:kwarg"]}
    assert (
        call_tracking(view_kwargs=kwargs, HTTP_AUTHORIZATION=basic_auth("view:kwarg")).status_code
        == 200
    )
    with pytest.raises(AnymailWebhookValidationFailure):
        call_tracking(view_kwargs=kwargs, HTTP_AUTHORIZATION=basic_auth())


def test_webhook_secret_is_not_an_as_view_argument() -> None:
    """§1.3: WEBHOOK_SECRET has kwarg name webhook_secret, but as_view takes basic_auth."""
    with pytest.raises(TypeError):
        MailtrapTrackingWebhookView.as_view(webhook_secret="user:pass")


def test_no_warning_when_warn_if_no_basic_auth_is_false(settings: Any) -> None:
    settings.ANYMAIL = {}

    class Quiet(MailtrapTrackingWebhookView):
        warn_if_no_basic_auth = False

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Quiet.as_view()(tracking_request()).status_code == 200


def test_basic_auth_class_attribute_is_none() -> None:
    assert AnymailBasicAuthMixin.basic_auth is None
    assert MailtrapTrackingWebhookView.basic_auth is None
    assert MailtrapInboundWebhookView.basic_auth is None


def test_warn_if_no_basic_auth_defaults_true() -> None:
    assert AnymailBasicAuthMixin.warn_if_no_basic_auth is True


def test_settings_are_read_on_every_request(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "first:secret"}
    client = Client(headers={"Authorization": basic_auth("first:secret")})
    assert (
        client.post(TRACKING_URL, TRACKING_BODY, content_type="application/json").status_code == 200
    )
    settings.ANYMAIL = {"WEBHOOK_SECRET": "second:secret"}
    assert (
        client.post(TRACKING_URL, TRACKING_BODY, content_type="application/json").status_code == 400
    )


# --- insecure-webhook warning ----------------------------------------------------------


def test_no_secret_issues_insecure_warning(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning):
        call_tracking()


def test_insecure_warning_mentions_webhook_secret(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning, match="WEBHOOK_SECRET"):
        call_tracking()


def test_no_secret_request_is_accepted(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning), recording(tracking) as rec:
        response = Client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 200
    assert len(rec.calls) == 1


def test_insecure_warning_fires_on_every_request(settings: Any) -> None:
    settings.ANYMAIL = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call_tracking()
        call_tracking()
    assert [w.category for w in caught].count(AnymailInsecureWebhookWarning) == 2


def test_empty_webhook_secret_counts_as_unset(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    with pytest.warns(AnymailInsecureWebhookWarning):
        assert call_tracking().status_code == 200


def test_no_warning_when_basic_auth_configured(secured: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call_tracking(HTTP_AUTHORIZATION=basic_auth())


def test_no_warning_when_signing_secret_configured(signed_only: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call_tracking(HTTP_MAILTRAP_SIGNATURE=sign(TRACKING_BODY, "tracking-secret"))


def test_warn_if_no_basic_auth_false_when_signing_secret_set(signed_only: Any) -> None:
    view = MailtrapTrackingWebhookView()
    assert view.warn_if_no_basic_auth is False


def test_inbound_secret_does_not_silence_tracking_warning(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_INBOUND_SECRET": "inbound-secret"}
    with pytest.warns(AnymailInsecureWebhookWarning):
        call_tracking()


# --- §6.4 Mailtrap signature -------------------------------------------------------------


def test_signature_test_vector_passes(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": VECTOR_SECRET}
    response = call_tracking(VECTOR_BODY, HTTP_MAILTRAP_SIGNATURE=VECTOR_SIGNATURE)
    assert response.status_code == 200


def test_signature_missing_exact_text(signed_only: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking()
    assert str(info.value) == NO_SIGNATURE


def test_signature_mismatch_exact_text_tracking(signed_only: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking(HTTP_MAILTRAP_SIGNATURE=sign(TRACKING_BODY, "wrong"))
    assert str(info.value) == BAD_TRACKING_SIGNATURE


def test_signature_mismatch_exact_text_inbound(signed_only: Any) -> None:
    request = rf.post(
        INBOUND_URL,
        data=SAMPLE_INBOUND_BODY,
        content_type="application/json",
        headers={"Mailtrap-Signature": sign(SAMPLE_INBOUND_BODY, "tracking-secret")},
    )
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        MailtrapInboundWebhookView.as_view()(request)
    assert str(info.value) == BAD_INBOUND_SIGNATURE


def test_signature_of_other_body_fails(signed_only: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure, match="incorrect signature"):
        call_tracking(HTTP_MAILTRAP_SIGNATURE=sign(TRACKING_BODY + " ", "tracking-secret"))


def test_signature_is_lowercase_hex(signed_only: Any) -> None:
    upper = sign(TRACKING_BODY, "tracking-secret").upper()
    with pytest.raises(AnymailWebhookValidationFailure, match="incorrect signature"):
        call_tracking(HTTP_MAILTRAP_SIGNATURE=upper)


@pytest.mark.parametrize("url", [TRACKING_URL, INBOUND_URL])
def test_signature_missing_is_http_400(signed_only: Any, url: str) -> None:
    response = Client().post(url, TRACKING_BODY, content_type="application/json")
    assert response.status_code == 400


def test_signature_mismatch_is_http_400(signed_only: Any) -> None:
    client = Client(headers={"Mailtrap-Signature": "0" * 64})
    assert (
        client.post(TRACKING_URL, TRACKING_BODY, content_type="application/json").status_code == 400
    )


def test_signature_failure_sends_no_signal(signed_only: Any) -> None:
    with recording(tracking) as rec:
        Client().post(TRACKING_URL, TRACKING_BODY, content_type="application/json")
    assert rec.calls == []


def test_signature_header_name_is_case_insensitive(signed_only: Any) -> None:
    client = Client(headers={"mailtrap-signature": sign(TRACKING_BODY, "tracking-secret")})
    assert (
        client.post(TRACKING_URL, TRACKING_BODY, content_type="application/json").status_code == 200
    )


def test_signing_secret_attribute_is_utf8_bytes(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "sécret"}
    assert MailtrapTrackingWebhookView().signing_secret == "sécret".encode()


def test_signing_secret_attribute_is_none_when_unset(secured: Any) -> None:
    assert MailtrapTrackingWebhookView().signing_secret is None


def test_non_ascii_secret_signature_passes(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "sécret"}
    assert call_tracking(HTTP_MAILTRAP_SIGNATURE=sign(TRACKING_BODY, "sécret")).status_code == 200


def test_tracking_secret_class_attribute_is_none() -> None:
    assert MailtrapTrackingWebhookView.tracking_secret is None


def test_inbound_secret_class_attribute_is_none() -> None:
    assert MailtrapInboundWebhookView.inbound_secret is None


def test_as_view_tracking_secret_kwarg(secured: Any) -> None:
    secured.ANYMAIL = {}
    kwargs = {"tracking_secret": "kwarg-secret"}
    sig = sign(TRACKING_BODY, "kwarg-secret")
    assert call_tracking(view_kwargs=kwargs, HTTP_MAILTRAP_SIGNATURE=sig).status_code == 200
    with pytest.raises(AnymailWebhookValidationFailure, match=NO_SIGNATURE):
        call_tracking(view_kwargs=kwargs)


def test_as_view_tracking_secret_sets_signing_secret() -> None:
    view = MailtrapTrackingWebhookView(tracking_secret="kwarg-secret")
    assert view.signing_secret == b"kwarg-secret"


def test_tracking_secret_from_prefixed_setting(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.ANYMAIL_MAILTRAP_TRACKING_SECRET = "prefixed"
    assert MailtrapTrackingWebhookView().signing_secret == b"prefixed"


def test_tracking_secret_has_no_bare_fallback(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILTRAP_TRACKING_SECRET = "bare"
    with pytest.warns(AnymailInsecureWebhookWarning):
        view = MailtrapTrackingWebhookView()
    assert view.signing_secret is None


def test_tracking_view_ignores_inbound_secret(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_INBOUND_SECRET": "inbound"}
    # no signature needed at the tracking URL
    assert call_tracking(HTTP_AUTHORIZATION=basic_auth()).status_code == 200


def test_inbound_view_ignores_tracking_secret(settings: Any) -> None:
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": WEBHOOK_USER_PASS,
        "MAILTRAP_TRACKING_SECRET": "tracking",
        "MAILTRAP_API_TOKEN": TOKEN,
    }
    response = auth_client().post(INBOUND_URL, SAMPLE_INBOUND_BODY, content_type="application/json")
    assert response.status_code == 200
    assert MailtrapInboundWebhookView().signing_secret is None


def test_inbound_view_uses_inbound_secret(signed_only: Any) -> None:
    assert MailtrapInboundWebhookView().signing_secret == b"inbound-secret"
    client = Client(headers={"Mailtrap-Signature": sign(SAMPLE_INBOUND_BODY, "inbound-secret")})
    response = client.post(INBOUND_URL, SAMPLE_INBOUND_BODY, content_type="application/json")
    assert response.status_code == 200


def test_empty_signing_secret_counts_as_unset(settings: Any) -> None:
    """Documented project decision (docs/webhooks.md §5; contract open point 11.6 differs)."""
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": ""}
    with pytest.warns(AnymailInsecureWebhookWarning):
        response = call_tracking()
    assert response.status_code == 200


def test_signing_secret_list_rotation_accepts_any(settings: Any) -> None:
    """Documented project extension (docs/webhooks.md §2): a list of signing secrets."""
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": ["new-secret", "old-secret"]}
    sig = sign(TRACKING_BODY, "old-secret")
    assert call_tracking(HTTP_MAILTRAP_SIGNATURE=sig).status_code == 200


# --- validation order: signature, then basic auth; both enforced ----------------------


def test_signature_and_basic_auth_both_required_when_both_set(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_TRACKING_SECRET": "s"}
    sig = sign(TRACKING_BODY, "s")
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking(HTTP_MAILTRAP_SIGNATURE=sig)
    assert str(info.value) == BASIC_AUTH_FAILURE


def test_basic_auth_alone_does_not_pass_when_signature_set(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_TRACKING_SECRET": "s"}
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking(HTTP_AUTHORIZATION=basic_auth())
    assert str(info.value) == NO_SIGNATURE


def test_signature_and_basic_auth_both_valid_pass(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_TRACKING_SECRET": "s"}
    response = call_tracking(
        HTTP_AUTHORIZATION=basic_auth(), HTTP_MAILTRAP_SIGNATURE=sign(TRACKING_BODY, "s")
    )
    assert response.status_code == 200


def test_signature_is_checked_before_basic_auth(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_TRACKING_SECRET": "s"}
    with pytest.raises(AnymailWebhookValidationFailure) as info:
        call_tracking(HTTP_MAILTRAP_SIGNATURE="0" * 64)  # both wrong
    assert str(info.value) == BAD_TRACKING_SIGNATURE


def test_authentication_is_checked_before_body_is_decoded(secured: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure, match=BASIC_AUTH_FAILURE):
        call_tracking("this is not json")


def test_authentication_is_checked_before_misdirected_event_check(secured: Any) -> None:
    body = json.dumps({"events": [inbound_entry()]})
    with pytest.raises(AnymailWebhookValidationFailure, match=BASIC_AUTH_FAILURE):
        call_tracking(body)


def test_inbound_view_needs_token_even_for_unauthenticated_requests(settings: Any) -> None:
    """§6.6: the token is read at construction, so it is missing on every call."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_API_TOKEN"):
        Client().post(INBOUND_URL, SAMPLE_INBOUND_BODY, content_type="application/json")


def test_validate_request_runs_every_class_in_mro_without_super_chaining(secured: Any) -> None:
    """§6.2: every validate_request in the hierarchy runs, in MRO order."""
    order: list[str] = []

    class Extra(MailtrapTrackingWebhookView):
        def validate_request(self, request: Any) -> None:  # no super() call
            order.append("extra")

    view = Extra.as_view()
    with pytest.raises(AnymailWebhookValidationFailure, match=BASIC_AUTH_FAILURE):
        view(tracking_request())
    assert order == ["extra"]
