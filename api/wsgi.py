"""WSGI entry point for production servers: `gunicorn -w 4 -b 0.0.0.0:8000 api.wsgi:app`."""

from api import create_app

app = create_app()
