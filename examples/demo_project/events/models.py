from django.db import models


class ReceivedEvent(models.Model):
    """One tracking or inbound event delivered to this project by a webhook."""

    event_type = models.CharField(max_length=40)
    recipient = models.CharField(max_length=320, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    event_id = models.CharField(max_length=200, blank=True, unique=True, null=True)
    summary = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
