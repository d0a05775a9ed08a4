from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def media(request, path: str):
    """Uploaded hero images.

    Only what the upload code wrote lives here: re-encoded images named by
    their content hash, so a name never changes meaning and may be cached for
    a year. Behind a proxy, the proxy may serve MEDIA_ROOT itself instead.
    """
    if not path.startswith("heroes/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
