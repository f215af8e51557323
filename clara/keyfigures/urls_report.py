"""The printed activity report of a year (PDF), included by clara/keyfigures/urls.py
(namespace `keyfigures`)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
