"""Admin side of the spreadsheets: import (with its dry-run preview and row-level errors) and
export, CSV and XLSX only."""

from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm


class ColumnLabelledExportForm(SelectableFieldsExportForm):
    """The export form's field checkboxes labelled by the (French) column names, not by the
    English attribute names."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return str(field.column_name) if field else field_name


class SpreadsheetImportExportMixin(ImportExportMixin):
    """Import (with its dry-run preview and row-level errors) and export, CSV and XLSX only."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm


class SpreadsheetExportMixin(ExportMixin):
    """Export only (CSV, XLSX): for records written with another record, through its service
    (an award's contributions are imported with the award)."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm
