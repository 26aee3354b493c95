"""Webhook URLs: include under any prefix, e.g. ``path("anymail/", include("anymail.urls"))``."""

from django.urls import path

from .webhooks.mailtrap import MailtrapInboundWebhookView, MailtrapTrackingWebhookView

app_name = "anymail"

urlpatterns = [
    path(
        "mailtrap/tracking/",
        MailtrapTrackingWebhookView.as_view(),
        name="mailtrap_tracking_webhook",
    ),
    path(
        "mailtrap/inbound/",
        MailtrapInboundWebhookView.as_view(),
        name="mailtrap_inbound_webhook",
    ),
]
