"""Spreadsheet import and export (django-import-export): the base resource and widgets every
app's `resources.py` builds on, the admin mixins, background imports of big files
(django-tasks) and the `import_spreadsheet` command."""
