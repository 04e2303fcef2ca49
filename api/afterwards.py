"""Work a request leaves for after its answer is sent: the read record (engine/readtrail.py).

Within a request, a job is kept and run when the response closes (the WSGI server calls close once
the body is sent), so a reader never waits for the record of their read; outside a request it runs
at once. A job that fails is the job's business (the read trail logs and swallows its errors).
"""

from __future__ import annotations

from flask import Flask, g, has_request_context

import engine.readtrail


def defer(job) -> bool:
    if not has_request_context():
        return False
    g.setdefault("afterwards", []).append(job)
    return True


def install(app: Flask) -> None:
    engine.readtrail.deferrer = defer

    @app.after_request
    def run_afterwards(response):
        jobs = g.pop("afterwards", [])
        for job in jobs:
            response.call_on_close(job)
        return response
