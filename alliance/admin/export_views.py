"""Downloads of a call's challenges, proposals and start-ups (CSV or XLSX).

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register. Every
download is written to the audit log ("admin.export").
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_login import current_user

from alliance.admin import exports
from alliance.admin.views import bp
from alliance.auth import policy
from alliance.challenges.models import Call
from alliance.core.models import utcnow
from alliance.extensions import db

WHAT = "any(challenges, proposals, startups)"
FORMAT = "any(csv, xlsx)"


@bp.get(f"/calls/<slug>/export/<{WHAT}:what>.<{FORMAT}:fmt>")
def export_call(slug, what, fmt):
    policy.require(policy.can_export_call_data(current_user))
    call = db.session.scalar(sa.select(Call).where(Call.slug == slug))
    policy.require(call is not None, hide=True)
    body = exports.export_call(call=call, what=what, fmt=fmt, user=current_user, now=utcnow())
    db.session.commit()
    response = Response(body, mimetype=exports.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{call.slug}-{what}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
