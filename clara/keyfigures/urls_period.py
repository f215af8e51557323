"""Key figures over a span of years, the history since the creation and the trends
(included by clara/keyfigures/urls.py, namespace `keyfigures`)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
