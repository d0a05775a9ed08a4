from django.http import Http404
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from core.shared_pages import render_shared_page
from pages.content import info_page_context, learn_index_context
from pages.models import Page

# Copies of these pages change only when content is published, which bumps the
# content version in their key (core.shared_pages): an hour is only a bound.
KEPT_FOR = 3600


@require_safe
def index(request):
    return render_shared_page(
        request, "pages/index.html", lambda: learn_index_context(get_language()), timeout=KEPT_FOR
    )


@require_safe
def page(request, slug: str):
    def context():
        # Looked up only when no copy is kept; unknown, unpublished or without
        # live text in any language raises here, and nothing is kept.
        found = Page.objects.published().filter(slug=slug).first()
        if found is None:
            raise Http404
        built = info_page_context(found, get_language())
        if built["translation"] is None:
            raise Http404
        return built

    return render_shared_page(request, "pages/page.html", context, timeout=KEPT_FOR)
