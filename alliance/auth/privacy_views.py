"""The privacy notice (public) and "My data" (any logged-in user): a copy of everything
held about them as JSON, and the deletion (anonymisation) of their account."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from alliance.auth import privacy
from alliance.auth.forms import DeleteAccountForm, ExportDataForm
from alliance.core.audit import record
from alliance.core.errors import DomainError
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
    user = current_user._get_current_object()
    data = privacy.export_user_data(user=user, now=now)
    record(actor=user, action="user.data_exported", obj=user, now=now)
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
    if not form.validate_on_submit():
        return _my_data_page(form, 422)
    user = current_user._get_current_object()
    if not user.check_password(form.password.data or ""):
        form.password.errors = [*form.password.errors, _("This is not your password.")]
        return _my_data_page(form, 422)
    try:
        privacy.anonymise_user(user=user, actor=user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _my_data_page(form, 422)
    db.session.commit()
    logout_user()
    flash(_("Your account has been deleted: your personal data is gone. Thank you for "
            "taking part."), "success")
    return redirect(url_for("main.index"))
