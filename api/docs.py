"""A browsable page of the REST API, rendered on the server from the OpenAPI document (no CDN)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

bp = Blueprint("docs", __name__)

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>cadreflow REST API</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}code{background:#f3f3f3;padding:0 .25rem}h2{border-bottom:1px solid #ddd;margin-top:2rem}
.op{margin:.6rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:bold}.get{color:#06a}.post{color:#080}
.d{color:#555;margin-left:4.8rem}</style></head><body>
<h1>{{ spec.info.title }} {{ spec.info.version }}</h1><p>{{ spec.info.description }}</p>
<p>OpenAPI: <a href="{{ url_for('api-docs.openapi_json') }}"><code>/api/openapi.json</code></a></p>
{% for tag, ops in groups %}<h2>{{ tag }}</h2>{% for path, method, op in ops %}
<div class="op"><span class="m {{ method }}">{{ method|upper }}</span><code>{{ path }}</code>
<div class="d">{{ op.summary or "" }} {{ op.description or "" }}</div></div>{% endfor %}{% endfor %}
</body></html>"""


@bp.get("/api/docs")
def api_docs():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    groups: dict[str, list] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                groups.setdefault((op.get("tags") or ["api"])[0], []).append((path, method, op))
    return render_template_string(PAGE, spec=spec, groups=list(groups.items()))
