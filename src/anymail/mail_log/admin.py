"""The message log in the Django admin: a read-only record for support staff.

Nothing can be added or edited here (the log is a record of what happened); a superuser
may delete one message at a time (e.g. a person's erasure request) -- bulk removal is
`manage.py mailtrap_log prune`. Lists stay fast on tables of millions of rows: no full
COUNT(*) (admin_pages.py), a search that is one indexed lookup (admin_search.py),
filters served by the model's indexes, and a fixed number of queries per page. Reads go
to the log's database (MAIL_LOG_DATABASE, else the router's choice for reads).
See docs/message-log.md, "The admin".
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import router
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse

from ..known_settings import register_settings
from ..signals import EventType
from .admin_pages import CategoryFilter, LogChangeList, LogPaginator
from .admin_render import (
    MAX_EVENTS,
    attach_recipient_summaries,
    mailtrap_link,
    recipient_summary,
    short_time,
    timeline,
)
from .admin_search import SEARCH_HELP, search_mailtrap_ids, search_messages
from .models import InboundMessage, MessageEvent, Recipient, SentMessage
from .options import read_options

# Read by admin_render.py; known to anymail.W004 whenever the admin (which reads it) loads.
register_settings("MAIL_LOG_MAILTRAP_URL")

#: Anymail's tracking event types, for the unmatched events' filter.
EVENT_TYPES = [
    (value, value)
    for name, value in vars(EventType).items()
    if name.isupper() and not value.startswith("inbound")
]
#: Columns of the message list that the message fields do not need (bodies may be large).
LIST_DEFERRED = ("text_body", "html_body", "attachments", "metadata", "error")


def log_database(model: Any) -> str:
    """Where the log is read from: MAIL_LOG_DATABASE, else the router's choice."""
    return read_options().database or router.db_for_read(model)


class ReadOnly:
    """No adding, changing or deleting: the log is written by sends and webhooks only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LogAdmin(ReadOnly, admin.ModelAdmin):
    """A read-only view of one log table, from the log's database, paged cheaply."""

    actions = None  # no "delete selected": a million-row selection is one click away
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts are a COUNT per choice
    paginator = LogPaginator
    list_per_page = 100
    list_max_show_all = 100
    count_noun = "rows"

    def log_database(self) -> str:
        return log_database(self.model)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).using(self.log_database())

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[LogChangeList]:
        return LogChangeList

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            note = context["cl"].paginator.count_note(self.count_noun)
            if note:
                context["subtitle"] = note
        return response


class RecipientInline(ReadOnly, admin.TabularInline):
    """Each recipient's status, its copy in Mailtrap, and its events (one query each for
    the recipients and for all their events)."""

    model = Recipient
    fields = (
        "kind",
        "email",
        "name",
        "status",
        "status_at",
        "mailtrap_message_id",
        "in_mailtrap",
        "events",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        newest = MessageEvent.objects.order_by("-timestamp", "-id")[: MAX_EVENTS + 1]
        return (
            super()
            .get_queryset(request)
            .using(log_database(Recipient))
            .select_related("message")
            .prefetch_related(Prefetch("events", queryset=newest, to_attr="newest_events"))
            .order_by("id")
        )

    @admin.display(description="Mailtrap")
    def in_mailtrap(self, recipient: Recipient) -> Any:
        return mailtrap_link(recipient)

    @admin.display(description="Events (oldest first)")
    def events(self, recipient: Recipient) -> Any:
        return timeline(getattr(recipient, "newest_events", ()))


class SentMessageChangeList(LogChangeList):
    """The message list: bodies left unread, each row's recipients summed up in one query."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED)

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        attach_recipient_summaries(self.result_list, self.queryset.db)


@admin.register(SentMessage)
class SentMessageAdmin(LogAdmin):
    list_display = (
        "created",
        "accepted",
        "subject",
        "sender",
        "recipients",
        "status",
        "category",
        "stream",
    )
    list_display_links = ("created", "subject")
    sortable_by = ("created",)  # the only order an index serves for every filter
    ordering = ("-created_at",)
    list_filter = (
        "status",
        CategoryFilter,
        "stream",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("subject",)  # shows the search box; get_search_results does the work
    search_help_text = SEARCH_HELP
    inlines = (RecipientInline,)
    count_noun = "messages"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[LogChangeList]:
        return SentMessageChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return search_messages(queryset, search_term), False  # type: ignore[arg-type]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[Any] = [
            (None, {"fields": ("subject", "from_email", "status", "status_at")}),
            ("Sending", {"fields": ("created_at", "accepted_at", "stream", "mailer", "id")}),
            ("Mailtrap", {"fields": ("category", "template_id", "metadata", "error")}),
        ]
        if obj is not None and (obj.text_body or obj.html_body or obj.attachments):
            stored = ("text_body", "html_body", "attachments")
            fieldsets.append(("Stored content (MAIL_LOG_STORE_BODIES)", {"fields": stored}))
        return fieldsets

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = getattr(request, "user", None)
        return bool(user and user.is_active and user.is_superuser)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """What a delete removes, counted in the log's database (Django's version lists
        every related row, from the default database)."""
        messages = list(objs)
        using = self.log_database()
        ids = [message.pk for message in messages]
        model_count = {
            "sent messages": len(messages),
            "recipients": Recipient.objects.using(using).filter(message__in=ids).count(),
            "message events": MessageEvent.objects.using(using)
            .filter(recipient__message__in=ids)
            .count(),
        }
        return [str(message) for message in messages], model_count, set(), []

    @admin.display(description="Created", ordering="created_at")
    def created(self, message: SentMessage) -> str:
        return short_time(message.created_at)

    @admin.display(description="Accepted")
    def accepted(self, message: SentMessage) -> str:
        return short_time(message.accepted_at) if message.accepted_at else "-"

    @admin.display(description="From")
    def sender(self, message: SentMessage) -> str:
        return message.from_email

    @admin.display(description="Recipients")
    def recipients(self, message: SentMessage) -> str:
        return recipient_summary(message)


class EventTypeFilter(admin.SimpleListFilter):
    """Anymail's event types (a fixed list: no DISTINCT over the table)."""

    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return EVENT_TYPES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(event_type=value)


@admin.register(MessageEvent)
class UnmatchedEventAdmin(LogAdmin):
    """Tracking events for messages the log does not have (MAIL_LOG_UNKNOWN_EVENTS="keep");
    matched events are on their message's page."""

    list_display = (
        "received_at",
        "timestamp",
        "event_type",
        "esp_event_type",
        "email",
        "mailtrap_message_id",
        "anymail_id",
        "source",
    )
    fields = (*list_display, "event_key", "details")
    sortable_by = ("received_at",)
    ordering = ("-received_at",)
    list_filter = (EventTypeFilter,)
    search_fields = ("mailtrap_message_id",)
    search_help_text = "A Mailtrap message id, or the log's message id (anymail_id)."
    count_noun = "unmatched events"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(recipient__isnull=True)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return search_mailtrap_ids(queryset, search_term), False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        title = "Tracking events not matched to a logged message"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})


@admin.register(InboundMessage)
class InboundMessageAdmin(LogAdmin):
    """Inbound messages (MAIL_LOG_INBOUND). Search reads the whole table (sender or
    subject containing the term): fine for the inbound volumes most sites have."""

    list_display = ("received_at", "from_email", "to", "subject", "inbox")
    fields = (*list_display, "mailtrap_message_id", "event_key")
    sortable_by = ("received_at",)
    ordering = ("-received_at",)
    search_fields = ("from_email", "subject")
    search_help_text = "Text in the sender or the subject (reads every row: keep it short)."
    count_noun = "inbound messages"
