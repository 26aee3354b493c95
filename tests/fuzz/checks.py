"""What must hold for every parsed message, whatever it was parsed from."""

from __future__ import annotations

from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from anymail.addresses import EmailAddress
from anymail.inbound import AnymailInboundMessage


def read_everything(message: AnymailInboundMessage) -> None:
    """Every accessor a receiver might use: none may raise (documented ValueErrors aside)."""
    from_email = message.from_email
    assert from_email is None or isinstance(from_email, (EmailAddress, list))
    for addresses in (message.to, message.cc, message.bcc, message.get_address_header("Reply-To")):
        assert isinstance(addresses, list)
        assert all(isinstance(address, EmailAddress) for address in addresses)
        for address in addresses:
            _ = (address.addr_spec, str(address))
    assert message.subject is None or isinstance(message.subject, str)
    assert message.date is None or isinstance(message.date, datetime)
    assert message.text is None or isinstance(message.text, str)
    assert message.html is None or isinstance(message.html, str)
    assert isinstance(message.content_id_map, dict)
    assert isinstance(message.inlines, list)
    for attachment in message.attachments:
        uploaded = attachment.as_uploaded_file()
        assert uploaded is None or isinstance(uploaded, SimpleUploadedFile)
    if message.parse_problem is not None:
        assert isinstance(message.parse_problem, str)
        assert message.text is None and message.attachments == []
        return
    assert message.raw_mime is None
    for part in message.walk():
        _ = (part.get_content_type(), part.get_filename(), part.get_content_charset())
        _ = (part.is_attachment(), part.is_inline(), part.get_date_header("Date"))
        _ = [str(value) for value in part.values()]
        if part.get_content_maintype() == "multipart":
            continue  # get_content_bytes/_text raise ValueError there (the contract)
        assert isinstance(part.get_content_bytes(), bytes)
        text = part.get_content_text()
        assert text is None or isinstance(text, str)
