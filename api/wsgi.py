"""WSGI entry point for production servers: `gunicorn -w 4 -b 0.0.0.0:8000 api.wsgi:app`.

It refuses to start without a session key (CADREFLOW_SECRET_KEY or the instance folder's
`secret_key`): a server signing cookies with a key anyone can read lets anyone sign in as anyone.
"""

import sys

from api import create_app, keys

APP_LOAD_ERROR = 4  # gunicorn's code for "App failed to load.": its master stops instead of respawning workers

app = create_app()
if not app.secret_key:
    try:
        problem = "no session key is configured: " + keys.how_to_set(app.instance_path)
        keys.configured_key(app.instance_path)
    except keys.KeyProblem as exc:
        problem = str(exc)
    print(f"cadreflow: refusing to start: {problem}", file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR)
