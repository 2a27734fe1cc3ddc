import os

from django.core.wsgi import get_wsgi_application
from django.urls import resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
application = get_wsgi_application()
# Import every app's URLs and views while the worker starts, not during its first request
# (which would otherwise wait for them, and every request queued behind it).
resolve("/")
