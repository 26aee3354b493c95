"""A URLconf without anymail.urls: Mailtrap's webhooks cannot reach such a site."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
