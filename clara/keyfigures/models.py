"""Publications of a year's key figures.

A year is public once staff publish it. Its figures are then stored as they were, for one
purpose only: showing what the records have changed since (the pages always compute the
figures from the records). Republishing or withdrawing a year ends the publication in force
and keeps it: the rows are the history of those decisions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class YearPublicationQuerySet(models.QuerySet):
    def in_force(self):
        """Publications neither replaced nor withdrawn: one per published year at most."""
        return self.filter(ended_at__isnull=True)


class YearPublication(models.Model):
    """One decision to publish a year's figures, with the figures as they were then."""

    class End(models.TextChoices):
        REPUBLISHED = "republished", _("republiée")
        WITHDRAWN = "withdrawn", _("retirée")

    year = models.PositiveSmallIntegerField(_("année"))
    published_at = models.DateTimeField(_("publiée le"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("publiée par"),
    )
    # {figure key: value as a string} ("1316000", "4.6", "100"): Decimal-exact in JSON.
    figures = models.JSONField(_("chiffres publiés"), default=dict)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("fin de la publication"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("terminée par"),
    )
    ended_how = models.CharField(_("raison de la fin"), max_length=20, choices=End.choices,
                                 blank=True)

    objects = YearPublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication des chiffres clefs")
        verbose_name_plural = _("publications des chiffres clefs")
        ordering = ["-year", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(ended_at__isnull=True),
                name="keyfigures_one_publication_in_force_per_year",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="keyfigures_publication_year_range",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_how="")
                | Q(ended_at__isnull=False, ended_how__in=["republished", "withdrawn"]),
                name="keyfigures_publication_end_consistent",
            ),
        ]

    def __str__(self) -> str:
        return _("Chiffres clefs %(year)s, publication du %(date)s") % {
            "year": self.year,
            "date": timezone.localtime(self.published_at).strftime("%d/%m/%Y %H:%M")}
