from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),  # the message log's admin (tests/mail_log_admin)
]
