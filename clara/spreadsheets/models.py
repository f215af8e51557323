from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """A spreadsheet import too big for a request, run in the background (django-tasks) for
    the staff member who started it. All or nothing, like every import: a file with one bad
    row writes nothing and lists the errors."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminé")
        REFUSED = "refused", _("refusé (rien n'a été enregistré)")
        FAILED = "failed", _("échec (rien n'a été enregistré)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lancé par"), on_delete=models.SET_NULL,
        null=True, related_name="import_jobs",
    )
    resource = models.CharField(_("import"), max_length=200)
    model_label = models.CharField(_("données"), max_length=100)
    file_name = models.CharField(_("fichier"), max_length=255)
    stored_name = models.CharField(max_length=255, editable=False)
    file_format = models.CharField(_("format"), max_length=10)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    dry_run = models.BooleanField(_("vérification seulement"), default=False)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("lignes"), default=0)
    totals = models.JSONField(_("résultat"), default=dict, blank=True)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import en arrière-plan")
        verbose_name_plural = _("imports en arrière-plan")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
