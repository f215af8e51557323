"""GDPR operations on one person's data, done by staff from the admin (README "Données
personnelles / GDPR requests"): the export of everything the site holds on them, and the
erasure of their identity, the records that feed the key figures kept anonymised.

`selectors` reads (what is held, what blocks an erasure), `services` writes (the export file,
the erasure), `views` is the admin page that calls them."""
