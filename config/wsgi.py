"""The WSGI application: what gunicorn, runserver and any WSGI server load."""

import os

from django.core.wsgi import get_wsgi_application

from config.serving import refuse_to_serve_without_a_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
refuse_to_serve_without_a_secret_key()
application = get_wsgi_application()
