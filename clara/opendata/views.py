"""The open-data page (placeholder until issue 12's views land)."""

from django.http import HttpResponse


def data_page(request):
    return HttpResponse("")
