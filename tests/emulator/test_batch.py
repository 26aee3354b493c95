"""POST /api/batch: per-entry results, base/request replacement and whole-call limits."""

from __future__ import annotations

from typing import Any

from mailtrap_emulator import EmulatorServer

from .helpers import post, send

BASE = {
    "from": {"email": "news@shop.example", "name": "Example Shop"},
    "subject": "Autumn news",
    "text": "Hello!",
    "custom_variables": {"campaign": "autumn-26"},
}


def batch(*requests: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"base": BASE if base is None else base, "requests": list(requests)}


def test_batch_answers_one_response_per_request_in_order(emulator: EmulatorServer) -> None:
    result = send(
        emulator,
        batch(
            {"to": [{"email": "ana@example.org"}]},
            {"to": [{"email": "bo@example.org"}], "cc": [{"email": "assistant@example.org"}]},
        ),
        path="/api/batch",
    )
    assert result["success"] is True
    assert [len(r["message_ids"]) for r in result["responses"]] == [1, 2]
    assert all(r["success"] for r in result["responses"])


def test_invalid_entry_fails_alone_with_http_200(emulator: EmulatorServer) -> None:
    result = send(
        emulator,
        batch({"to": [{"email": "ana@example.org"}]}, {"to": [{"email": "not-an-address"}]}),
        path="/api/batch",
    )
    assert result["responses"][0]["success"] is True
    assert result["responses"][1] == {
        "success": False,
        "errors": ["address is invalid in 'to' 0"],
    }
    assert len(emulator.messages()) == 1


def test_request_fields_replace_base_fields_instead_of_merging(
    emulator: EmulatorServer,
) -> None:
    result = send(
        emulator,
        batch({"to": [{"email": "ana@example.org"}], "custom_variables": {"user_id": "42"}}),
        path="/api/batch",
    )
    stored = emulator.message(result["responses"][0]["message_ids"][0])
    assert stored is not None
    assert stored["custom_variables"] == {"user_id": "42"}
    assert stored["subject"] == "Autumn news"


def test_entry_without_recipients_fails(emulator: EmulatorServer) -> None:
    result = send(emulator, batch({"subject": "No one"}), path="/api/batch")
    assert result["responses"][0]["errors"] == ["'to', 'cc' or 'bcc' address is required"]


def test_template_rules_apply_to_base_plus_request(emulator: EmulatorServer) -> None:
    entry = {
        "to": [{"email": "ana@example.org"}],
        "template_uuid": "5f1c2d9e-8a77-4b0e-9d61-3f2a0c7b1e44",
    }
    base = {"from": BASE["from"], "category": "news"}
    result = send(emulator, batch(entry, base=base), path="/api/batch")
    assert result["responses"][0]["errors"] == ["'category' is not allowed with 'template_uuid'"]


def test_missing_requests_is_400_empty_field(emulator: EmulatorServer) -> None:
    response = post(emulator, "/api/batch", {"base": BASE})
    assert response.status_code == 400
    assert response.json() == {"success": False, "errors": ["empty field: 'requests'"]}


def test_at_most_500_requests(emulator: EmulatorServer) -> None:
    entries = [{"to": [{"email": f"r{i}@example.org"}]} for i in range(501)]
    response = post(emulator, "/api/batch", batch(*entries))
    assert response.status_code == 400
    assert response.json()["errors"] == ["too many requests in batch (maximum is 500)"]


def test_500_requests_are_accepted(emulator: EmulatorServer) -> None:
    entries = [{"to": [{"email": f"r{i}@example.org"}]} for i in range(500)]
    result = send(emulator, batch(*entries), path="/api/batch")
    assert len(result["responses"]) == 500
    assert all(r["success"] for r in result["responses"])


def test_recipients_are_not_allowed_in_base(emulator: EmulatorServer) -> None:
    base = dict(BASE, to=[{"email": "ana@example.org"}])
    response = post(emulator, "/api/batch", batch({"cc": [{"email": "x@example.org"}]}, base=base))
    assert response.status_code == 400
    assert response.json()["errors"] == ["'to' is not allowed in 'base'"]


def test_batch_over_50_mb_is_rejected(emulator: EmulatorServer) -> None:
    body = batch({"to": [{"email": "ana@example.org"}], "text": "x" * (50 * 1024 * 1024)})
    response = post(emulator, "/api/batch", body)
    assert response.status_code == 400
    assert response.json()["errors"] == ["payload size exceeds the 50 MB limit"]


def test_batch_needs_a_token(emulator: EmulatorServer) -> None:
    response = post(emulator, "/api/batch", batch({"to": [{"email": "a@example.org"}]}), token="")
    assert response.status_code == 401
    assert response.json() == {"success": False, "errors": ["Unauthorized"]}
