"""Anymail's management commands (`manage.py mailtrap ...`)."""
