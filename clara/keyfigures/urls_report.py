"""The printed activity report of a year (PDF), included by clara/keyfigures/urls.py
(namespace `keyfigures`)."""

from django.urls import path

from clara.keyfigures import report

urlpatterns: list = [
    path("<int:year>/rapport.pdf", report.report_pdf, name="report"),
]
