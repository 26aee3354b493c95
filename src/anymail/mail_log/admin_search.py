"""The admin's search box: one indexed lookup, chosen by what the term looks like.

Django's default search ORs a `LIKE '%term%'` over every search field, which reads every
row of a large table. Support staff search for one of three things, each with an index:

* an email address (anything with an "@"; "Ana <ana@example.org>" works too): messages
  with that recipient -- to, cc or bcc, any case -- exactly (`Recipient.email`);
* a UUID: the message with that project id (the primary key), or with a recipient that
  has that Mailtrap message id (`Recipient.mailtrap_message_id`);
* anything else: subjects that *start with* the term, any case (on PostgreSQL, the
  expression index of migration 0002).
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from typing import Any

from django.db.models import Q, QuerySet

from .models import Recipient, SentMessageQuerySet

#: Messages one Mailtrap id may name (the sandbox gives all recipients one id).
MAX_ID_MATCHES = 1000

SEARCH_HELP = (
    "An email address finds messages to that recipient (to, cc or bcc; the whole address). "
    "A message id (the log's, or Mailtrap's per-recipient one) finds that message. "
    "Any other text finds subjects that start with it."
)


def search_messages(queryset: SentMessageQuerySet, term: str) -> SentMessageQuerySet:
    """SentMessage rows matching the search term (unchanged for an empty term)."""
    term = term.strip()
    if not term:
        return queryset
    if "@" in term:
        return queryset.sent_to(parseaddr(term)[1] or term)
    identifier = as_uuid(term)
    if identifier is not None:
        return queryset.filter(pk__in=message_ids(queryset.db, term, identifier))
    return queryset.filter(subject__istartswith=term)


def as_uuid(term: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def message_ids(using: str, term: str, identifier: uuid.UUID) -> list[uuid.UUID]:
    """The project id itself and the messages whose recipients have it as Mailtrap id: one
    indexed query, so the message lookup stays a primary-key lookup (an OR with a
    subquery would read the whole table)."""
    spellings = {term, str(identifier)}
    found = (
        Recipient.objects.using(using)
        .filter(mailtrap_message_id__in=spellings)
        .values_list("message_id", flat=True)[:MAX_ID_MATCHES]
    )
    return [identifier, *found]


def search_mailtrap_ids(queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
    """Kept tracking events by Mailtrap's message id or the project id (both indexed for
    unmatched events); an email or other text matches nothing there."""
    term = term.strip()
    if not term:
        return queryset
    identifier = as_uuid(term)
    if identifier is None:
        return queryset.none()
    spellings = sorted({term, str(identifier)})
    return queryset.filter(Q(mailtrap_message_id__in=spellings) | Q(anymail_id=identifier))
