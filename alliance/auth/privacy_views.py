"""The privacy notice (public) and "My data" (any logged-in user): a copy of everything
held about them as JSON, and the deletion (anonymisation) of their account."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from alliance.auth import privacy
from alliance.auth.forms import DeleteAccountForm, ExportDataForm
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.extensions import db

bp = Blueprint("account", __name__)


@bp.get("/privacy")
def notice():
    return render_template("account/notice.html", version=privacy.PRIVACY_NOTICE_VERSION)


def _my_data_page(delete_form: DeleteAccountForm, status: int = 200):
    return render_template("account/my_data.html", user=current_user,
                           export_form=ExportDataForm(), delete_form=delete_form,
                           current_version=privacy.PRIVACY_NOTICE_VERSION), status


@bp.get("/account/privacy")
@login_required
def my_data():
    return _my_data_page(DeleteAccountForm())


@bp.post("/account/privacy/export")
@login_required
def export():
    form = ExportDataForm()
    if not form.validate_on_submit():
        flash(_("The form expired: please try again."), "danger")
        return redirect(url_for("account.my_data"))
    now = utcnow()
    data = privacy.export_own_data(user=current_user._get_current_object(), now=now)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    filename = f"alliance-my-data-{now:%Y-%m-%d}.json"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.post("/account/privacy/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            privacy.delete_own_account(user=current_user._get_current_object(),
                                       password=form.password.data, now=utcnow())
        if outcome.ok:
            logout_user()
            flash(_("Your account has been deleted: your personal data is gone. Thank you "
                    "for taking part."), "success")
            return redirect(url_for("main.index"))
    return _my_data_page(form, 422)
