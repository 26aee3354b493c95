from django.urls import include, path

urlpatterns = [
    path("hooks/", include("anymail.urls")),
]
