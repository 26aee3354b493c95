"""Webhook views that turn ESP callbacks into Anymail's tracking and inbound signals."""
