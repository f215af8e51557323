"""Project middleware."""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

# Addresses outside `i18n_patterns`: they have no language prefix and follow the browser's
# language (or the language chosen through /i18n/setlang/).
UNPREFIXED = ("/admin/", "/i18n/", "/favicon.ico")


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except for the addresses outside `i18n_patterns`.

    With `prefix_default_language=False` Django serves every address without a prefix in the
    default language, the admin's too; staff reading English keep the admin in English.
    """

    def process_request(self, request):
        if request.path_info.startswith(UNPREFIXED):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
