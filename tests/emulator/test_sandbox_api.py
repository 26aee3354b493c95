"""The sandbox API (mailtrap.io): captured messages read back over HTTP, checked against
Mailtrap's OpenAPI document (sandbox.openapi.yml)."""

from __future__ import annotations

import base64
import email
from email import policy
from typing import Any

import pytest
import requests

from mailtrap_emulator import EmulatorServer

from .helpers import TOKEN, message, send
from .openapi_schema import assert_matches_spec, response_schema_pointer, validation_errors

SPEC = "sandbox.openapi.yml"
INBOX = 4242
OTHER_INBOX = 4343
ACCOUNT = 1001  # EmulatorConfig.account_id's default
HEADERS = {"Api-Token": TOKEN}
MESSAGE_PATH = "/api/sandboxes/{sandbox_id}/messages/{message_id}"
HTML = (
    "<html><body>\n"
    '<p style="display: block">Hi Ana, order <b>4711</b> is confirmed.</p>\n'
    '<img src="cid:logo@shop">\n'
    "<style>p { color: red; }</style>\n"
    "</body></html>\n"
)
LOGO = b"\x89PNG\r\n\x1a\nnot really a png"
INVOICE = b"%PDF-1.4 invoice 4711"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def get(server: EmulatorServer, path: str, **kwargs: Any) -> requests.Response:
    headers = kwargs.pop("headers", HEADERS)
    return requests.get(f"{server.url}{path}", headers=headers, timeout=30, **kwargs)


def patch(server: EmulatorServer, path: str, body: Any = None) -> requests.Response:
    return requests.patch(f"{server.url}{path}", json=body, headers=HEADERS, timeout=30)


def delete(server: EmulatorServer, path: str) -> requests.Response:
    return requests.delete(f"{server.url}{path}", headers=HEADERS, timeout=30)


def checked(response: requests.Response, status: int = 200, **options: Any) -> Any:
    """The body of a response that has `status` and matches the spec."""
    assert response.status_code == status, response.text
    return assert_matches_spec(response, SPEC, **options)


def rich_message() -> dict[str, Any]:
    return message(
        to=[{"email": "ana@example.org", "name": "Ana Silva"}, {"email": "rui@example.org"}],
        cc=[{"email": "cc@example.org"}],
        bcc=[{"email": "audit@example.org"}],
        html=HTML,
        headers={"X-Order": "4711", "List-Unsubscribe": "<mailto:unsub@shop.example>"},
        category="orders",
        attachments=[
            {"filename": "invoice-4711.pdf", "content": b64(INVOICE), "type": "application/pdf"},
            {
                "filename": "logo.png",
                "content": b64(LOGO),
                "type": "image/png",
                "disposition": "inline",
                "content_id": "logo@shop",
            },
        ],
    )


@pytest.fixture
def captured(emulator: EmulatorServer) -> dict[str, Any]:
    """One rich message in INBOX, as the message list shows it."""
    send(emulator, rich_message(), path=f"/api/send/{INBOX}")
    (listed,) = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"), require_all=True)
    assert isinstance(listed, dict)
    return listed


def message_url(listed: dict[str, Any], suffix: str = "") -> str:
    return f"/api/sandboxes/{INBOX}/messages/{listed['id']}{suffix}"


# -- reading a message back ------------------------------------------------------------


def test_message_summary_describes_the_send(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    assert captured["sandbox_id"] == INBOX
    assert captured["subject"] == "Order 4711 confirmed"
    assert (captured["from_email"], captured["from_name"]) == (
        "orders@shop.example",
        "Example Shop",
    )
    assert captured["to_email"] == "ana@example.org, rui@example.org"
    assert captured["to_name"] == "Ana Silva"
    assert captured["is_read"] is False
    assert captured["html_body_size"] == len(HTML.encode())
    assert captured["text_body_size"] == len(b"Hi Ana, order 4711 is confirmed.\n")
    raw = get(emulator, message_url(captured, "/body.raw")).content
    assert captured["email_size"] == len(raw)
    assert captured["human_size"].endswith(" KB")
    assert captured["smtp_information"]["data"]["rcpt_to_addrs"] == [
        "ana@example.org",
        "rui@example.org",
        "cc@example.org",
        "audit@example.org",
    ]
    assert captured["template_variables"] is None
    shown = checked(get(emulator, message_url(captured)), require_all=True)
    assert shown == captured


def test_message_paths_are_served_in_every_path_form(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    key = captured["id"]
    prefix = f"/api/accounts/{ACCOUNT}/sandboxes/{INBOX}/messages/{key}"
    assert captured["txt_path"] == f"{prefix}/body.txt"
    for name in ("html_path", "txt_path", "raw_path", "download_path", "html_source_path"):
        response = get(emulator, captured[name])
        assert response.status_code == 200, (name, response.text)
        token_scoped = captured[name].replace(f"/api/accounts/{ACCOUNT}", "/api")
        sdk_form = captured[name].replace("/sandboxes/", "/inboxes/")
        for alias in (token_scoped, sdk_form):
            assert get(emulator, alias).content == response.content, alias
    for path in (
        f"/api/accounts/{ACCOUNT}/sandboxes/{INBOX}/messages/{key}",
        f"/api/accounts/{ACCOUNT}/inboxes/{INBOX}/messages/{key}",
    ):
        assert checked(get(emulator, path), path=MESSAGE_PATH, require_all=True) == captured


def test_bodies_come_from_the_stored_mime(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    text = checked(get(emulator, message_url(captured, "/body.txt")))
    assert text == "Hi Ana, order 4711 is confirmed.\n"
    assert checked(get(emulator, message_url(captured, "/body.htmlsource"))) == HTML
    formatted = checked(get(emulator, message_url(captured, "/body.html")))
    (logo,) = checked(
        get(emulator, message_url(captured, "/attachments"), params={"attachment_type": "inline"})
    )
    assert "cid:" not in formatted
    assert f'<img src="{logo["download_path"]}">' in formatted
    assert get(emulator, logo["download_path"]).content == LOGO


def test_raw_source_and_eml_are_the_captured_message(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    raw = get(emulator, message_url(captured, "/body.raw"))
    checked(raw)
    assert raw.headers["content-type"].startswith("text/plain")
    eml = get(emulator, message_url(captured, "/body.eml"))
    checked(eml)
    assert eml.headers["content-type"] == "message/rfc822"
    assert eml.headers["content-disposition"].startswith("attachment;")
    assert eml.content == raw.content
    parsed = email.message_from_bytes(eml.content, policy=policy.default)
    assert parsed["Subject"] == "Order 4711 confirmed"
    assert parsed["X-Order"] == "4711"
    assert parsed["X-Mailtrap-Category"] == "orders"


def test_mail_headers_include_custom_headers_and_the_bcc(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    headers = checked(get(emulator, message_url(captured, "/mail_headers")))["headers"]
    assert headers["subject"] == "Order 4711 confirmed"
    assert headers["from"] == "Example Shop <orders@shop.example>"
    assert headers["to"] == "Ana Silva <ana@example.org>, rui@example.org"
    assert headers["cc"] == "cc@example.org"
    assert headers["bcc"] == "audit@example.org"
    assert headers["x-order"] == "4711"
    assert headers["list-unsubscribe"] == "<mailto:unsub@shop.example>"
    assert all(isinstance(value, str) for value in headers.values())


def test_attachments_list_get_and_download(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    listed = checked(get(emulator, message_url(captured, "/attachments")), require_all=True)
    by_name = {a["filename"]: a for a in listed}
    assert set(by_name) == {"invoice-4711.pdf", "logo.png"}
    invoice, logo = by_name["invoice-4711.pdf"], by_name["logo.png"]
    assert (invoice["attachment_type"], invoice["content_type"]) == (
        "attachment",
        "application/pdf",
    )
    assert (invoice["attachment_size"], invoice["attachment_human_size"]) == (21, "21 Bytes")
    assert invoice["content_id"] is None
    assert (logo["attachment_type"], logo["content_id"]) == ("inline", "logo@shop")
    assert {a["message_id"] for a in listed} == {captured["id"]}
    only = checked(
        get(
            emulator,
            message_url(captured, "/attachments"),
            params={"attachment_type": "attachment"},
        )
    )
    assert only == [invoice]
    single = get(emulator, message_url(captured, f"/attachments/{invoice['id']}"))
    assert checked(single, require_all=True) == invoice
    download = get(emulator, invoice["download_path"])
    assert download.status_code == 200
    assert download.content == INVOICE
    assert download.headers["content-type"] == "application/pdf"
    assert "invoice-4711.pdf" in download.headers["content-disposition"]


def test_spam_report_and_html_analysis(emulator: EmulatorServer, captured: dict[str, Any]) -> None:
    report = checked(get(emulator, message_url(captured, "/spam_report")), require_all=True)
    report = report["report"]
    assert report["Spam"] is False
    assert report["Score"] < report["Threshold"]
    assert "HTML_MESSAGE" in {d["RuleName"] for d in report["Details"]}
    analysis = checked(get(emulator, message_url(captured, "/analyze")))["report"]
    assert analysis["status"] == "success"
    found = {(e["rule_name"], e["error_line"]) for e in analysis["errors"]}
    assert found == {("display", 2), ("style", 4)}


def test_text_only_and_html_only_messages(emulator: EmulatorServer) -> None:
    send(emulator, message(subject="plain"), path=f"/api/send/{INBOX}")
    send(emulator, message(subject="rich", text=None, html="<p>x</p>"), path=f"/api/send/{INBOX}")
    rich, plain = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"))
    for suffix in ("/body.html", "/body.htmlsource"):
        response = get(emulator, message_url(plain, suffix))
        assert (checked(response, 409), response.headers["content-type"].split(";")[0]) == (
            "Conflict",
            "text/plain",
        )
    assert checked(get(emulator, message_url(rich, "/body.txt")), 409) == "Conflict"
    assert plain["html_body_size"] == 0
    details = checked(get(emulator, message_url(rich, "/spam_report")))["report"]["Details"]
    assert "MIME_HTML_ONLY" in {d["RuleName"] for d in details}
    assert checked(get(emulator, message_url(plain, "/analyze")))["report"]["errors"] == []


def test_template_send_shows_its_variables(emulator: EmulatorServer) -> None:
    body = message(
        subject=None,
        text=None,
        template_uuid="b8e3f2a1-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
        template_variables={"order": "4711"},
    )
    send(emulator, body, path=f"/api/send/{INBOX}")
    (listed,) = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"), require_all=True)
    assert listed["template_variables"] == {"order": "4711"}
    assert listed["subject"] == "Template b8e3f2a1-4c5d-4e6f-8a9b-0c1d2e3f4a5b"


# -- listing, paging, searching --------------------------------------------------------


def send_batch(server: EmulatorServer, inbox: int, entries: list[dict[str, Any]]) -> None:
    body = {"base": {"from": {"email": "orders@shop.example"}, "text": "t"}, "requests": entries}
    result = send(server, body, path=f"/api/batch/{inbox}")
    assert all(r["success"] for r in result["responses"])


def test_messages_come_30_a_page_newest_first(emulator: EmulatorServer) -> None:
    entries = [{"to": [{"email": f"r{n}@example.org"}], "subject": f"n{n}"} for n in range(65)]
    send_batch(emulator, INBOX, entries)
    path = f"/api/sandboxes/{INBOX}/messages"
    first = checked(get(emulator, path), require_all=True)
    assert [m["subject"] for m in first] == [f"n{n}" for n in range(64, 34, -1)]
    assert checked(get(emulator, path, params={"page": 1})) == first
    second = checked(get(emulator, path, params={"page": 2}))
    assert [m["subject"] for m in second] == [f"n{n}" for n in range(34, 4, -1)]
    third = checked(get(emulator, path, params={"page": 3}))
    assert [m["subject"] for m in third] == [f"n{n}" for n in range(4, -1, -1)]
    assert checked(get(emulator, path, params={"page": 4})) == []
    after = checked(get(emulator, path, params={"last_id": first[-1]["id"]}))
    assert after == second
    overridden = get(emulator, path, params={"last_id": second[-1]["id"], "page": 1})
    assert checked(overridden) == third


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "two"}, {"last_id": "-3"}])
def test_bad_paging_parameters_are_refused(
    emulator: EmulatorServer, params: dict[str, str]
) -> None:
    response = get(emulator, f"/api/sandboxes/{INBOX}/messages", params=params)
    assert response.status_code == 400
    assert "page" in response.json()["error"]


def test_search_matches_subject_and_to_address_and_name(emulator: EmulatorServer) -> None:
    send_batch(
        emulator,
        INBOX,
        [
            {"to": [{"email": "ana@example.org", "name": "Ana Silva"}], "subject": "Welcome"},
            {"to": [{"email": "rui@example.org"}], "subject": "Your ORDER 4711"},
            {
                "to": [{"email": "eva@example.org"}],
                "cc": [{"email": "x@w.example"}],
                "subject": "s",
            },
            {"to": [{"email": "mo@example.org", "name": "Mo 100%"}], "subject": "Sale"},
        ],
    )
    path = f"/api/sandboxes/{INBOX}/messages"

    def subjects(search: str) -> list[str]:
        return [m["subject"] for m in checked(get(emulator, path, params={"search": search}))]

    assert subjects("welcome") == ["Welcome"]
    assert subjects("order 47") == ["Your ORDER 4711"]
    assert subjects("rui@") == ["Your ORDER 4711"]
    assert subjects("silva") == ["Welcome"]
    assert subjects("w.example") == []  # cc addresses are not searched
    assert subjects("100%") == ["Sale"]
    assert subjects("1%") == []  # % is no wildcard
    assert subjects("nothing like it") == []
    assert len(subjects("example.org")) == 4


def test_sandboxes_keep_their_messages_apart(emulator: EmulatorServer) -> None:
    send(emulator, message(subject="mine"), path=f"/api/send/{INBOX}")
    send(emulator, message(subject="theirs"), path=f"/api/send/{OTHER_INBOX}")
    send(emulator, message(subject="transactional"))
    (mine,) = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"))
    (theirs,) = checked(get(emulator, f"/api/sandboxes/{OTHER_INBOX}/messages"))
    assert (mine["subject"], theirs["subject"]) == ("mine", "theirs")
    wrong_inbox = get(emulator, f"/api/sandboxes/{OTHER_INBOX}/messages/{mine['id']}")
    assert checked(wrong_inbox, 404) == {"error": "Not Found"}


# -- changing messages and sandboxes ---------------------------------------------------


def unread_count(server: EmulatorServer, inbox: int = INBOX) -> int:
    return int(checked(get(server, f"/api/sandboxes/{inbox}"))["emails_unread_count"])


def test_mark_a_message_read_and_unread(emulator: EmulatorServer) -> None:
    send_batch(emulator, INBOX, [{"to": [{"email": "a@example.org"}], "subject": s} for s in "ab"])
    newer, older = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"))
    assert unread_count(emulator) == 2
    updated = checked(
        patch(emulator, message_url(older), {"message": {"is_read": "true"}}), require_all=True
    )
    assert (updated["id"], updated["is_read"], updated["blacklists_report_info"]) == (
        older["id"],
        True,
        False,
    )
    assert checked(get(emulator, message_url(older)))["is_read"] is True
    assert checked(get(emulator, message_url(newer)))["is_read"] is False
    assert unread_count(emulator) == 1
    unread = patch(emulator, message_url(older), {"message": {"is_read": False}})
    assert checked(unread)["is_read"] is False
    assert unread_count(emulator) == 2
    refused = patch(emulator, message_url(older), {"message": {"is_read": "maybe"}})
    assert refused.status_code == 422
    assert refused.json() == {"errors": {"is_read": ["is invalid"]}}


def test_mark_all_read(emulator: EmulatorServer) -> None:
    send_batch(emulator, INBOX, [{"to": [{"email": "a@example.org"}], "subject": s} for s in "ab"])
    send(emulator, message(), path=f"/api/send/{OTHER_INBOX}")
    sandbox = checked(patch(emulator, f"/api/sandboxes/{INBOX}/all_read"), require_all=True)
    assert (sandbox["id"], sandbox["emails_count"], sandbox["emails_unread_count"]) == (INBOX, 2, 0)
    listed = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"))
    assert [m["is_read"] for m in listed] == [True, True]
    assert unread_count(emulator, OTHER_INBOX) == 1


def test_delete_a_message(emulator: EmulatorServer) -> None:
    send_batch(emulator, INBOX, [{"to": [{"email": "a@example.org"}], "subject": s} for s in "ab"])
    newer, older = checked(get(emulator, f"/api/sandboxes/{INBOX}/messages"))
    deleted = checked(delete(emulator, message_url(older)), require_all=True)
    assert (deleted["id"], deleted["subject"]) == (older["id"], "a")
    assert checked(get(emulator, message_url(older)), 404) == {"error": "Not Found"}
    assert checked(get(emulator, f"/api/sandboxes/{INBOX}/messages")) == [newer]
    assert checked(delete(emulator, message_url(older)), 404) == {"error": "Not Found"}
    assert emulator.message(older["id"]) is None  # gone from the emulator, not just hidden


def test_clean_empties_only_that_sandbox(emulator: EmulatorServer) -> None:
    send_batch(emulator, INBOX, [{"to": [{"email": "a@example.org"}], "subject": s} for s in "ab"])
    send(emulator, message(subject="kept"), path=f"/api/send/{OTHER_INBOX}")
    cleaned = checked(patch(emulator, f"/api/sandboxes/{INBOX}/clean"), require_all=True)
    assert (cleaned["id"], cleaned["emails_count"], cleaned["last_message_sent_at"]) == (
        INBOX,
        0,
        None,
    )
    assert checked(get(emulator, f"/api/sandboxes/{INBOX}/messages")) == []
    (kept,) = checked(get(emulator, f"/api/sandboxes/{OTHER_INBOX}/messages"))
    assert kept["subject"] == "kept"
    account_form = patch(emulator, f"/api/accounts/{ACCOUNT}/inboxes/{OTHER_INBOX}/clean")
    assert account_form.status_code == 200
    assert emulator.messages(sandbox_inbox_id=OTHER_INBOX) == []


# -- projects and sandboxes ------------------------------------------------------------


def test_sandboxes_and_projects_list_the_inboxes_in_use(emulator: EmulatorServer) -> None:
    assert checked(get(emulator, "/api/sandboxes")) == []
    send_batch(emulator, INBOX, [{"to": [{"email": "a@example.org"}], "subject": s} for s in "ab"])
    send(emulator, message(), path=f"/api/send/{OTHER_INBOX}")
    send(emulator, message())  # not a sandbox
    sandboxes = checked(get(emulator, "/api/sandboxes"), require_all=True)
    assert [(s["id"], s["emails_count"], s["emails_unread_count"]) for s in sandboxes] == [
        (INBOX, 2, 2),
        (OTHER_INBOX, 1, 1),
    ]
    assert sandboxes[0]["password"] is None
    assert sandboxes[0]["last_message_sent_at"] is not None
    (project,) = checked(get(emulator, "/api/projects"), require_all=True)
    assert project["sandboxes"] == sandboxes
    assert {s["project_id"] for s in sandboxes} == {project["id"]}
    assert checked(get(emulator, f"/api/projects/{project['id']}"), require_all=True) == project
    account_form = get(emulator, f"/api/accounts/{ACCOUNT}/projects")
    assert checked(account_form, path="/api/projects") == [project]
    for path in (f"/api/accounts/{ACCOUNT}/sandboxes", f"/api/accounts/{ACCOUNT}/inboxes"):
        assert checked(get(emulator, path), path="/api/sandboxes") == sandboxes


def test_any_sandbox_id_exists(emulator: EmulatorServer) -> None:
    sandbox = checked(get(emulator, "/api/sandboxes/987654"), require_all=True)
    assert (sandbox["id"], sandbox["emails_count"], sandbox["used"]) == (987654, 0, False)
    assert checked(get(emulator, "/api/sandboxes/987654/messages")) == []


def test_unknown_project_is_not_found(emulator: EmulatorServer) -> None:
    assert checked(get(emulator, "/api/projects/999"), 404) == {"error": "Not Found"}


# -- errors ----------------------------------------------------------------------------


def test_not_found(emulator: EmulatorServer, captured: dict[str, Any]) -> None:
    for suffix in ("", "/body.txt", "/mail_headers", "/attachments", "/spam_report", "/analyze"):
        missing = get(emulator, f"/api/sandboxes/{INBOX}/messages/999999{suffix}")
        assert checked(missing, 404) == {"error": "Not Found"}, suffix
    for number in (0, 3):
        missing = get(emulator, message_url(captured, f"/attachments/{number}"))
        assert checked(missing, 404) == {"error": "Not Found"}
    for path in (message_url(captured, "/body.pdf"), f"/api/sandboxes/{INBOX}/messages/abc"):
        response = get(emulator, path)
        assert (response.status_code, response.json()) == (404, {"error": "Not Found"})


def test_missing_token_is_refused(emulator: EmulatorServer, captured: dict[str, Any]) -> None:
    for path in ("/api/sandboxes", "/api/projects", message_url(captured)):
        refused = get(emulator, path, headers={})
        assert checked(refused, 401) == {"error": "Incorrect API token"}
    text_refusal = get(emulator, message_url(captured, "/body.txt"), headers={})
    assert checked(text_refusal, 401) == '{"error":"Incorrect API token"}'
    assert text_refusal.headers["content-type"].startswith("text/plain")
    assert delete(emulator, message_url(captured)).status_code == 200  # token given here
    for method in (requests.patch, requests.delete):
        assert method(f"{emulator.url}{message_url(captured)}", timeout=30).status_code == 401


def test_only_configured_tokens_are_accepted() -> None:
    with EmulatorServer(tokens=["sandbox-secret"]) as server:
        send(server, message(), path=f"/api/send/{INBOX}", token="sandbox-secret")
        path = f"/api/sandboxes/{INBOX}/messages"
        refused = get(server, path, headers={"Api-Token": "wrong"})
        assert checked(refused, 401) == {"error": "Incorrect API token"}
        assert "sandbox-secret" not in refused.text
        bearer = get(server, path, headers={"Authorization": "Bearer sandbox-secret"})
        assert len(checked(bearer)) == 1


def test_another_accounts_paths_are_forbidden(
    emulator: EmulatorServer, captured: dict[str, Any]
) -> None:
    other = f"/api/accounts/{ACCOUNT + 1}/sandboxes/{INBOX}/messages/{captured['id']}"
    forbidden = get(emulator, other)
    assert (forbidden.status_code, forbidden.json()) == (
        403,
        {"errors": "Account access forbidden"},
    )
    assert_matches_spec(forbidden, SPEC, path=MESSAGE_PATH)
    as_text = get(emulator, other + "/body.raw")
    assert as_text.status_code == 403
    assert_matches_spec(as_text, SPEC, path=MESSAGE_PATH + "/body.raw")
    refused = get(emulator, f"/api/accounts/{ACCOUNT + 1}/projects")
    assert refused.status_code == 403


def test_account_id_is_configurable() -> None:
    with EmulatorServer(account_id=77) as server:
        send(server, message(), path=f"/api/send/{INBOX}")
        (listed,) = checked(
            get(server, f"/api/accounts/77/inboxes/{INBOX}/messages"),
            path="/api/sandboxes/{sandbox_id}/messages",
        )
        assert listed["html_path"].startswith(f"/api/accounts/77/sandboxes/{INBOX}/")
        assert get(server, f"/api/accounts/{ACCOUNT}/inboxes/{INBOX}/messages").status_code == 403


# -- the schema check itself -----------------------------------------------------------


def test_schema_check_can_fail() -> None:
    pointer = response_schema_pointer(SPEC, MESSAGE_PATH, "get", 200, "application/json")
    assert validation_errors(SPEC, pointer, {"id": 1, "template_variables": None}) == []
    assert validation_errors(SPEC, pointer, {"id": "1", "is_read": "no"}) == [
        "id: '1' is not of type 'integer'",
        "is_read: 'no' is not of type 'boolean'",
    ]
    assert validation_errors(SPEC, pointer, {"blacklists_report_info": {"result": "fine"}})
    assert "(root): 'subject' is a required property" in validation_errors(
        SPEC, pointer, {"id": 1}, require_all=True
    )
    with pytest.raises(AssertionError, match="not documented"):
        response_schema_pointer(SPEC, MESSAGE_PATH, "get", 200, "text/html")
    with pytest.raises(AssertionError, match="418 is not documented"):
        response_schema_pointer(SPEC, MESSAGE_PATH, "get", 418, "application/json")
