import os

from django.core.wsgi import get_wsgi_application

from core.charset import utf8_only

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# A charset Django cannot safely read is refused before Django builds the
# request (core/charset.py).
application = utf8_only(get_wsgi_application())
