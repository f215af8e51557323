"""Admin side of the spreadsheets: import (with its dry-run preview and row-level errors) and
export, CSV and XLSX only; files too big for a request go to the background, and the
"imports en arrière-plan" pages show each staff member the jobs they started."""

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from clara.security_log import PERSONAL_DATA_EXPORT, security_event
from clara.spreadsheets.models import ImportJob
from clara.spreadsheets.services import import_job_create, progress_of, read_dataset


class ColumnLabelledExportForm(SelectableFieldsExportForm):
    """The export form's field checkboxes labelled by the (French) column names, not by the
    English attribute names."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return str(field.column_name) if field else field_name


class LoggedExportMixin:
    """Every export is a security event (README "Exploitation / Operations"): who exported
    which records, how many rows."""

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        security_event(
            PERSONAL_DATA_EXPORT, "export: %s, %d rows", self.model._meta.label_lower,
            len(data), level=logging.INFO, request=request,
            model=self.model._meta.label_lower, rows=len(data),
        )
        return data


class SpreadsheetImportExportMixin(LoggedExportMixin, ImportExportMixin):
    """Import (with its dry-run preview and row-level errors) and export, CSV and XLSX only.

    A file over `SPREADSHEET_BACKGROUND_ROWS` rows or `SPREADSHEET_BACKGROUND_BYTES` bytes
    is imported in the background (all or nothing, like here) and the staff member is sent
    to its progress page; a file over `SPREADSHEET_MAX_UPLOAD_BYTES` is refused with a
    message before it is read."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm

    def import_action(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if length > settings.SPREADSHEET_MAX_UPLOAD_BYTES:
                # Refused before the body is read.
                messages.error(request, gettext(
                    "Ce fichier (%(size)s) dépasse la taille maximale d'un import depuis "
                    "l'administration (%(max)s) : découpez-le, ou importez-le avec la commande "
                    "« manage.py import_spreadsheet »."
                ) % {"size": filesizeformat(length),
                     "max": filesizeformat(settings.SPREADSHEET_MAX_UPLOAD_BYTES)})
                return HttpResponseRedirect(request.path)
            form = self.create_import_form(request)
            if form.is_valid():
                response = self._import_in_background(request, form)
                if response is not None:
                    return response
        return super().import_action(request, **kwargs)

    def _import_in_background(self, request, form):
        upload = form.cleaned_data["import_file"]
        input_format = self.get_import_formats()[int(form.cleaned_data["format"])]
        file_format = "xlsx" if input_format is base_formats.XLSX else "csv"
        total_rows = 0
        data = b"".join(upload.chunks())
        upload.seek(0)
        if upload.size <= settings.SPREADSHEET_BACKGROUND_BYTES:
            try:
                total_rows = len(read_dataset(data, file_format))
            except ValueError:
                return None  # the synchronous import reports the unreadable file
            if total_rows <= settings.SPREADSHEET_BACKGROUND_ROWS:
                return None
        resource_class = self.choose_import_resource_class(form, request)
        job = import_job_create(
            resource_class=resource_class, model_label=self.model._meta.label_lower,
            data=data, file_name=upload.name, file_format=file_format, user=request.user,
            total_rows=total_rows,
        )
        messages.info(request, gettext(
            "Ce fichier est trop gros pour être importé pendant la requête : l'import se "
            "poursuit en arrière-plan. Suivez-le sur cette page ; si une ligne est refusée, "
            "rien n'est enregistré."
        ))
        return HttpResponseRedirect(reverse("admin:spreadsheets_importjob_change",
                                            args=[job.pk]))


class SpreadsheetExportMixin(LoggedExportMixin, ExportMixin):
    """Export only (CSV, XLSX): for records written with another record, through its service
    (an award's contributions are imported with the award)."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Background imports, read only; a staff member sees the jobs they started (a
    superuser sees all). The page refreshes itself while the job runs."""

    list_display = ("file_name", "model_label", "status", "progress", "created_at", "user")
    list_filter = ("status",)
    list_select_related = ("user",)
    change_form_template = "admin/spreadsheets/importjob/change_form.html"
    fields = (
        "file_name", "model_label", "user", "status", "progress", "result", "created_at",
        "started_at", "finished_at", "size_display", "error_list",
    )
    readonly_fields = fields

    def get_urls(self):
        # The history import (issue 11): clara/spreadsheets/history_views.py.
        from clara.spreadsheets import history_views as views

        wrap = self.admin_site.admin_view
        return [
            path("historique/", wrap(views.history_upload),
                 name="spreadsheets_history_import"),
            path("historique/<int:pk>/", wrap(views.history_job),
                 name="spreadsheets_history_job"),
            path("historique/<int:pk>/confirmer/", wrap(views.history_confirm),
                 name="spreadsheets_history_confirm"),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or request.user.is_superuser or obj.user_id == request.user.pk

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("avancement"))
    def progress(self, obj):
        done, total = progress_of(obj), obj.total_rows
        if not total:
            return "—" if obj.is_active else "0"
        return format_html(
            '<progress class="import-job-progress" max="{}" value="{}"></progress> {}',
            total, done,
            ngettext("%(done)s ligne sur %(total)s", "%(done)s lignes sur %(total)s", total)
            % {"done": done, "total": total},
        )

    @admin.display(description=_("résultat"))
    def result(self, obj):
        if obj.is_active or not obj.totals:
            return "—"
        totals = obj.totals
        return gettext(
            "%(new)s nouvelles lignes, %(update)s modifiées, %(skip)s inchangées, "
            "%(invalid)s refusées, %(error)s en erreur"
        ) % {key: totals.get(key, 0) for key in ("new", "update", "skip", "invalid", "error")}

    @admin.display(description=_("taille"))
    def size_display(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("erreurs"))
    def error_list(self, obj):
        if not obj.errors:
            return "—"
        return format_html(
            '<ul class="errorlist">{}</ul>',
            format_html_join(
                "", "<li>{}{}</li>",
                (
                    (gettext("Ligne %(line)s : ") % {"line": e["line"]} if e["line"] else "",
                     " ; ".join(e["messages"]))
                    for e in obj.errors
                ),
            ),
        )
