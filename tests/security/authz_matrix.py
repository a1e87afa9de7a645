"""Who gets what: one entry per endpoint of the site, each method, eight personas.

Answers (what ``test_authz_matrix`` reads in the response):
  ok         let in: 2xx, a redirect elsewhere than the login page, or 400/409/422
             (the form refused the empty POST, but the user was let in)
  login      redirected to the login page
  forbidden  403
  hidden     404: the object's existence must not leak to this user

An entry is keyed by its endpoint; a few endpoints have more entries, keyed
"endpoint (what differs)", where another object tells a rule apart (a published
challenge next to the draft, the conflicted juror's own assignment).

The answers come from the rules (alliance/auth/policy.py, ARCHITECTURE.md's roles),
not from what the app happens to answer. URL arguments name objects of the world
built in ``conftest.py`` (``"draft.slug"`` is ``world.draft.slug``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PERSONAS = ("anonymous", "startup_a", "startup_b", "partner_x", "partner_y",
            "juror_assigned", "juror_conflicted", "admin")
ANSWERS = ("ok", "login", "forbidden", "hidden")


# -- notation ----------------------------------------------------------------------------

def expect(default: str, **answers: str) -> dict[str, str]:
    """One answer per persona: ``default`` unless the persona is named."""
    unknown = set(answers) - set(PERSONAS)
    assert not unknown, f"no such persona: {unknown}"
    table = {persona: answers.get(persona, default) for persona in PERSONAS}
    assert set(table.values()) <= set(ANSWERS), table
    return table


def signed_in(default: str = "forbidden", **answers: str) -> dict[str, str]:
    """A page behind the login: anonymous visitors are sent to log in."""
    return expect(default, anonymous="login", **answers)


def only(*personas: str, default: str = "forbidden", anonymous: str = "login") -> dict:
    """Let ``personas`` in; everyone else gets ``default`` (anonymous: ``anonymous``)."""
    return expect(default, anonymous=anonymous, **{p: "ok" for p in personas})


EVERYONE = expect("ok")
LOGGED_IN = signed_in("ok")
ADMIN_ONLY = only("admin")
JURORS_ONLY = only("juror_assigned", "juror_conflicted")


@dataclass(frozen=True)
class Route:
    args: dict[str, object]  # URL argument -> path into the world, or raw(value)
    methods: dict[str, dict[str, str]]  # method -> persona -> answer
    data: dict[str, object]  # what a POST sends (empty unless the view needs a key to act)


@dataclass(frozen=True)
class raw:  # noqa: N801 - reads as a marker in the table
    """A literal URL argument (not a path into the world)."""
    value: object = field()


def route(args: dict | None = None, *, data: dict | None = None,
          **methods: dict[str, str]) -> Route:
    return Route(args or {}, methods, data or {})


# -- main -------------------------------------------------------------------------------

MAIN = {
    "main.index": route(GET=EVERYONE),
    "main.healthz": route(GET=EVERYONE),
    "main.set_language": route(POST=EVERYONE),
    "main.dashboard": route(GET=LOGGED_IN),  # a redirect to each one's own page
}

# -- auth: public forms; logged-in users are sent to their dashboard -----------------------

AUTH = {
    "auth.login": route(GET=EVERYONE, POST=EVERYONE),
    "auth.logout": route(POST=EVERYONE),
    "auth.register": route(GET=EVERYONE, POST=EVERYONE),
    # A's link, already used: a visitor is sent on to log in, which is the point.
    "auth.confirm_email": route({"token": "tokens.confirm"}, GET=expect("ok", anonymous="login")),
    "auth.resend_confirmation": route(POST=LOGGED_IN),
    "auth.reset_request": route(GET=EVERYONE, POST=EVERYONE),
    # Whoever holds the link may use it (that is what a reset link is).
    "auth.reset_password": route({"token": "tokens.reset"}, GET=EVERYONE, POST=EVERYONE),
}

# -- partners ---------------------------------------------------------------------------

PARTNERS = {
    "partners.index": route(GET=EVERYONE),
    "partners.detail": route({"slug": "x.slug"}, GET=EVERYONE),
    "partners.dashboard": route(GET=only("partner_x", "partner_y")),
}

# -- start-ups: A's pages (A's profile is public; B's is private) --------------------------

A_ADMIN = only("startup_a", "admin")
STARTUPS = {
    # Start-up members are sent to their dashboard; partner staff may not found one.
    "startups.create": route(GET=signed_in("ok", partner_x="forbidden", partner_y="forbidden"),
                             POST=signed_in("ok", partner_x="forbidden", partner_y="forbidden")),
    "startups.detail": route({"slug": "b.slug"},
                             GET=expect("hidden", startup_b="ok", admin="ok")),
    "startups.edit": route({"slug": "a.slug"}, GET=A_ADMIN, POST=A_ADMIN),
    # Admins see the team; only founders invite.
    "startups.members": route({"slug": "a.slug"}, GET=A_ADMIN, POST=only("startup_a")),
    "startups.cancel_invitation": route(
        {"slug": "a.slug", "invitation_id": "cofounder_invitation.id"}, POST=only("startup_a")),
    # The link is the credential: anyone may open it (it then tells them what they may do).
    "startups.invitation": route({"token": "tokens.invitation"}, GET=EVERYONE, POST=EVERYONE),
    "startups.relations": route({"slug": "a.slug"}, GET=A_ADMIN, POST=A_ADMIN),
    "startups.remove_relation": route({"slug": "a.slug", "relation_id": "relation.id"},
                                      POST=A_ADMIN),
    # Users who could found a start-up are sent to the form; partner staff are refused.
    "startups.dashboard": route(GET=signed_in("ok", partner_x="forbidden",
                                              partner_y="forbidden")),
}

# -- challenges: X's draft (a draft does not exist for anyone but X and admins) -------------

DRAFT_X_ADMIN = only("partner_x", "admin", default="hidden")
DRAFT_ADMIN = signed_in("hidden", partner_x="forbidden", admin="ok")
CHALLENGES = {
    "challenges.index": route(GET=EVERYONE),
    "challenges.detail": route({"slug": "draft.slug"},
                               GET=only("partner_x", "admin", default="hidden",
                                        anonymous="hidden")),
    "challenges.detail (published)": route({"slug": "open.slug"}, GET=EVERYONE),
    "challenges.create": route(GET=only("partner_x", "partner_y", "admin"),
                               POST=only("partner_x", "partner_y", "admin")),
    "challenges.edit": route({"slug": "draft.slug"}, GET=DRAFT_X_ADMIN, POST=DRAFT_X_ADMIN),
    "challenges.criteria": route({"slug": "draft.slug"}, GET=DRAFT_X_ADMIN, POST=DRAFT_X_ADMIN),
    "challenges.terms": route({"slug": "draft.slug"}, GET=DRAFT_X_ADMIN, POST=DRAFT_X_ADMIN),
    # The brief in the other language: the lead partner and admins, published or not.
    "challenges.translate": route({"slug": "open.slug"}, GET=only("partner_x", "admin"),
                                  POST=only("partner_x", "admin")),
    "challenges.submit": route({"slug": "draft.slug"}, POST=DRAFT_X_ADMIN),
    "challenges.approve": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    "challenges.return_to_draft": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    "challenges.close": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    "challenges.start_evaluation": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    "challenges.decide": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    "challenges.archive": route({"slug": "draft.slug"}, POST=DRAFT_ADMIN),
    # The city goals' public pages.
    "goals.index": route(GET=EVERYONE),
    "goals.detail": route({"slug": "goal.slug"}, GET=EVERYONE),
}

# -- proposals: A's proposal to X's challenge in evaluation (deadline passed) ---------------
# X reads it (its challenge, deadline passed); juror_assigned judges it (blind round);
# juror_conflicted, B and Y must not learn it exists.

PROPOSAL_ID = {"proposal_id": "proposal.id"}
READERS = signed_in("hidden", startup_a="ok", partner_x="ok", juror_assigned="ok", admin="ok")
EDITORS = signed_in("hidden", startup_a="ok", partner_x="forbidden",
                    juror_assigned="forbidden", admin="forbidden")
PROPOSALS = {
    # Members of a start-up start a draft; who could found one is sent to the form.
    "proposals.apply": route({"slug": "open.slug"},
                             POST=signed_in("ok", partner_x="forbidden", partner_y="forbidden")),
    "proposals.edit": route(PROPOSAL_ID, GET=EDITORS, POST=EDITORS),
    "proposals.withdraw": route(PROPOSAL_ID, POST=EDITORS),
    "proposals.detail": route(PROPOSAL_ID, GET=READERS),
    # B's proposal: juror_conflicted judges it (the conflict is with A, not B).
    "proposals.detail (B's)": route({"proposal_id": "b_proposal.id"},
                                    GET=signed_in("hidden", startup_b="ok", partner_x="ok",
                                                  juror_conflicted="ok", admin="ok")),
    "proposals.attachment": route(PROPOSAL_ID, GET=READERS),  # blind juror: anonymised copy
    # A receipt names the start-up: not for a juror of a blind round.
    "proposals.receipt": route({**PROPOSAL_ID, "number": "submission.number"},
                               GET=signed_in("hidden", startup_a="ok", partner_x="ok",
                                             admin="ok")),
    "proposals.receipt_json": route({**PROPOSAL_ID, "number": "submission.number"},
                                    GET=signed_in("hidden", startup_a="ok", partner_x="ok",
                                                  admin="ok")),
    "proposals.for_challenge": route({"slug": "evaluated.slug"},
                                     GET=only("partner_x", "admin")),
    # Before the deadline the partner does not read the proposals yet.
    "proposals.for_challenge (open)": route({"slug": "open.slug"}, GET=only("admin")),
}

# -- results: A's decided proposal ---------------------------------------------------------

RESULTS = {
    "results.proposal": route({"proposal_id": "decided_proposal.id"},
                              GET=signed_in("hidden", startup_a="ok", admin="ok")),
}

# -- search ----------------------------------------------------------------------------

SEARCH = {
    "search.index": route(GET=EVERYONE),
    "search.go": route({"kind": raw("challenge"), "object_id": "draft.id"},
                       GET=expect("hidden", partner_x="ok", admin="ok")),
}

# -- admin console: admins only ------------------------------------------------------------

ADMIN = {
    "admin.index": route(GET=ADMIN_ONLY),
    "admin.calls": route(GET=ADMIN_ONLY),
    "admin.new_call": route(GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.edit_call": route({"call_id": "call.id"}, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.themes": route(GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.edit_theme": route({"theme_id": "theme.id"}, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.move_theme": route({"theme_id": "theme.id"}, POST=ADMIN_ONLY),
    "admin.delete_theme": route({"theme_id": "theme.id"}, POST=ADMIN_ONLY),
    "admin.partners": route(GET=ADMIN_ONLY),
    "admin.members": route({"slug": "x.slug"}, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.remove_member": route({"slug": "x.slug", "membership_id": "x_membership.id"},
                                 POST=ADMIN_ONLY),
    "admin.proposals": route(GET=ADMIN_ONLY),
    # The mail outbox; a retry without a message id retries the messages due.
    "admin.mail": route(GET=ADMIN_ONLY),
    "admin.mail_retry": route(POST=ADMIN_ONLY),
    "admin.users": route(GET=ADMIN_ONLY),
    "admin.user_detail": route({"user_id": "users.juror_assigned.id"}, GET=ADMIN_ONLY),
    "admin.grant_user_role": route({"user_id": "users.juror_assigned.id"},
                                   data={"role": raw("admin")}, POST=ADMIN_ONLY),
    "admin.revoke_user_role": route({"user_id": "users.juror_assigned.id"},
                                    data={"role": raw("jury")}, POST=ADMIN_ONLY),
    "admin.deactivate_user": route({"user_id": "users.juror_assigned.id"}, POST=ADMIN_ONLY),
    "admin.reactivate_user": route({"user_id": "users.juror_assigned.id"}, POST=ADMIN_ONLY),
    "admin.anonymise_user": route({"user_id": "users.juror_assigned.id"}, POST=ADMIN_ONLY),
    "admin.audit_log": route(GET=ADMIN_ONLY),
    # City goals.
    "admin.goals_list": route(GET=ADMIN_ONLY),
    "admin.new_goal": route(GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.edit_goal": route({"goal_id": "goal.id"}, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.set_goal_active": route({"goal_id": "goal.id"}, POST=ADMIN_ONLY),
}

# -- evaluation (admin side): admins only --------------------------------------------------

ROUND = {"round_id": "round.id"}
CHALLENGE = {"challenge_id": "evaluated.id"}
RECORD = {**CHALLENGE, "record_id": "record.id"}
EVALUATION = {
    "evaluation.index": route(GET=ADMIN_ONLY),
    "evaluation.challenge": route(CHALLENGE, GET=ADMIN_ONLY),
    "evaluation.open_round": route(CHALLENGE, POST=ADMIN_ONLY),
    "evaluation.second_round": route(CHALLENGE, POST=ADMIN_ONLY),
    "evaluation.publish": route(CHALLENGE, POST=ADMIN_ONLY),
    "evaluation.decide": route(CHALLENGE, POST=ADMIN_ONLY),
    "evaluation.challenge_ranking": route(CHALLENGE, GET=ADMIN_ONLY),
    "evaluation.challenge_ranking_export": route({**CHALLENGE, "kind": raw("csv")},
                                                 GET=ADMIN_ONLY),
    "evaluation.record": route(RECORD, GET=ADMIN_ONLY),
    "evaluation.record_json": route(RECORD, GET=ADMIN_ONLY),
    "evaluation.record_export": route({**RECORD, "kind": raw("xlsx")}, GET=ADMIN_ONLY),
    "evaluation.round": route(ROUND, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "evaluation.round_settings": route(ROUND, POST=ADMIN_ONLY),
    "evaluation.remove_member": route({**ROUND, "member_id": "member.id"}, POST=ADMIN_ONLY),
    "evaluation.references": route(ROUND, POST=ADMIN_ONLY),
    "evaluation.transition": route({**ROUND, "action": raw("close")}, POST=ADMIN_ONLY),
    "evaluation.assignments": route(ROUND, GET=ADMIN_ONLY),
    "evaluation.run_assignment": route(ROUND, POST=ADMIN_ONLY),
    "evaluation.add_assignment": route(ROUND, POST=ADMIN_ONLY),
    "evaluation.remove_assignment": route({**ROUND, "assignment_id": "assignment.id"},
                                          POST=ADMIN_ONLY),
    "evaluation.progress": route(ROUND, GET=ADMIN_ONLY),
    "evaluation.ranking": route(ROUND, GET=ADMIN_ONLY),
    "evaluation.ranking_export": route({**ROUND, "kind": raw("csv")}, GET=ADMIN_ONLY),
    "evaluation.proposal": route({**ROUND, **PROPOSAL_ID}, GET=ADMIN_ONLY, POST=ADMIN_ONLY),
}

# -- jury: jurors only; an assignment is its juror's (juror_assigned's, to A's proposal) ----

OWN_ASSIGNMENT = signed_in("forbidden", juror_assigned="ok", juror_conflicted="hidden")
JURY = {
    "jury.dashboard": route(GET=JURORS_ONLY),
    "jury.profile": route(GET=JURORS_ONLY, POST=JURORS_ONLY),
    # Both sit on the round's committee.
    "jury.conflicts_page": route(ROUND, GET=JURORS_ONLY, POST=JURORS_ONLY),
    "jury.interest": route(ROUND, GET=JURORS_ONLY, POST=JURORS_ONLY),
    "jury.review": route({"assignment_id": "assignment.id"},
                         GET=OWN_ASSIGNMENT, POST=OWN_ASSIGNMENT),
    "jury.review (conflicted juror's)": route(
        {"assignment_id": "conflicted_assignment.id"},
        GET=signed_in("forbidden", juror_assigned="hidden", juror_conflicted="ok"),
        POST=signed_in("forbidden", juror_assigned="hidden", juror_conflicted="ok")),
    "jury.reopen": route({"assignment_id": "assignment.id"}, POST=OWN_ASSIGNMENT),
    # The discussion opens to a juror once their own review is submitted (it is).
    "jury.comment": route({"assignment_id": "assignment.id"}, POST=OWN_ASSIGNMENT),
}

# -- matching: scouting (X scouts for its open challenge and invited A) ---------------------

OPEN_X_ADMIN = only("partner_x", "admin")
SCOUTING = {
    "scouting.recommendations": route(GET=only("startup_a", "startup_b")),
    # An invitation is answered by its start-up; to anyone else it does not exist.
    "scouting.decline": route({"invitation_id": "scouting_invitation.id"},
                              POST=signed_in("hidden", startup_a="ok")),
    "scouting.challenge_scouting": route({"slug": "open.slug"}, GET=OPEN_X_ADMIN),
    "scouting.invite": route({"slug": "open.slug", "startup_slug": "a.slug"},
                             POST=OPEN_X_ADMIN),
}

# -- matching: the start-ups' rankings, the admin's matching, the call's results -----------

PILOT_PREFERENCES = {
    # A ranks the call's challenges (its proposal was shortlisted there); B has nothing
    # to rank in that call, so the call's form does not exist for it.
    "pilot_preferences.edit": route(
        data={"call_id": "call.id"},
        GET=only("startup_a", "startup_b"),
        POST=signed_in("forbidden", startup_a="ok", startup_b="hidden")),
}

CALL = {"call_id": "call.id"}
MATCHING_ADMIN = {
    "matching_admin.index": route(GET=ADMIN_ONLY),
    "matching_admin.call": route(CALL, GET=ADMIN_ONLY),
    "matching_admin.settings": route(CALL, POST=ADMIN_ONLY),
    "matching_admin.add_adjustment": route(CALL, POST=ADMIN_ONLY),
    "matching_admin.remove_adjustment": route({**CALL, "adjustment_id": "adjustment.id"},
                                              POST=ADMIN_ONLY),
    "matching_admin.lock": route(CALL, POST=ADMIN_ONLY),
    "matching_admin.rematch": route({**CALL, "pilot_id": "pilot.id"}, POST=ADMIN_ONLY),
}

CALL_RESULTS = {
    "call_results.index": route(GET=EVERYONE),
    # Not published yet: only admins see the page.
    "call_results.call": route({"slug": "call.slug"},
                               GET=only("admin", default="hidden", anonymous="hidden")),
    "call_results.publish": route(CALL, POST=ADMIN_ONLY),
    "call_results.unpublish": route(CALL, POST=ADMIN_ONLY),
}

# -- matching: the pilot between A and X's decided challenge (proposed) --------------------
# Its two sides and admins see it; to anyone else it does not exist. Which side may do
# what (accept, decline, start, complete) is the service's rule: a refusal is flashed
# on the pilot's page (a redirect), as for every button post.

PILOT = {"pilot_id": "pilot.id"}
PILOT_SIDES = signed_in("hidden", startup_a="ok", partner_x="ok", admin="ok")
PILOTS = {
    "pilots.index": route(GET=LOGGED_IN),  # each one's own pilots
    "pilots.detail": route(PILOT, GET=PILOT_SIDES),
    "pilots.accept": route(PILOT, POST=PILOT_SIDES),
    "pilots.decline": route(PILOT, POST=PILOT_SIDES),
    "pilots.start": route(PILOT, POST=PILOT_SIDES),
    "pilots.complete": route(PILOT, POST=PILOT_SIDES),
}

# -- the public JSON API (/api/v1): public challenges only, even to their partner ----------

API = {
    "api.challenges": route(GET=EVERYONE),
    "api.challenge": route({"slug": "draft.slug"}, GET=expect("hidden")),
    "api.challenge (published)": route({"slug": "open.slug"}, GET=EVERYONE),
    "api.partners": route(GET=EVERYONE),
    "api.partner": route({"slug": "x.slug"}, GET=EVERYONE),
    "api.calls": route(GET=EVERYONE),
    # Not published yet: only admins see the results (as on call_results.call).
    "api.call_results": route({"slug": "call.slug"},
                              GET=only("admin", default="hidden", anonymous="hidden")),
    "api.search": route(GET=EVERYONE),  # without q: 400, the user was let in
    "api.openapi": route(GET=EVERYONE),
}

# -- the whole table ----------------------------------------------------------------------

MATRIX: dict[str, Route] = {
    **MAIN, **AUTH, **PARTNERS, **STARTUPS, **CHALLENGES, **PROPOSALS, **RESULTS, **SEARCH,
    **ADMIN, **EVALUATION, **JURY, **SCOUTING, **PILOT_PREFERENCES, **MATCHING_ADMIN,
    **CALL_RESULTS, **PILOTS, **API,
}


def endpoint_of(key: str) -> str:
    """``"proposals.detail (B's)"`` -> ``"proposals.detail"``."""
    return key.split(" ", 1)[0]


# Cases where the app answers otherwise today: (endpoint, method, persona) -> why.
# Each is a bug to fix in the app (the report proposes the fix), not in the table.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


# -- API tokens, webhooks (admin console) and the admin API (issue 6) ---------------------

MATRIX.update({
    "admin.api_tokens": route(GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.revoke_api_token": route({"token_id": "api_token.id"}, POST=ADMIN_ONLY),
    "admin.webhooks": route(GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    "admin.webhook_endpoint": route({"endpoint_id": "webhook.id"}, GET=ADMIN_ONLY),
    "admin.deactivate_webhook": route({"endpoint_id": "webhook.id"}, POST=ADMIN_ONLY),
    "admin.retry_webhook_delivery": route({"delivery_id": "webhook_delivery.id"},
                                          POST=ADMIN_ONLY),
})

# Proposals and rankings under /api/v1 open with an admin's bearer token only: no session
# cookie does (not even an admin's), so every persona here gets 401 (tests/api has the
# token cases).
TOKEN_ONLY = "status 401"  # test_authz_matrix.classify's word for a 401
ANSWERS = (*ANSWERS, TOKEN_ONLY)
MATRIX.update({
    "api.proposals": route(GET=expect(TOKEN_ONLY)),
    "api.proposal": route({"proposal_id": "proposal.id"}, GET=expect(TOKEN_ONLY)),
    "api.challenge_ranking": route({"slug": "evaluated.slug"}, GET=expect(TOKEN_ONLY)),
})

# A call's exports (challenges, proposals, start-ups as CSV or XLSX): admins only.
MATRIX.update({
    "admin.export_call": route({"slug": "call.slug", "what": raw("proposals"),
                                "fmt": raw("csv")}, GET=ADMIN_ONLY),
    "admin.export_call (startups as xlsx)": route({"slug": "call.slug", "what": raw("startups"),
                                                   "fmt": raw("xlsx")}, GET=ADMIN_ONLY),
})

# -- privacy (issue 6): the notice, each user's own data, the admin's retention period ----

MATRIX.update({
    "account.notice": route(GET=EVERYONE),
    "account.my_data": route(GET=LOGGED_IN),
    "account.export": route(POST=LOGGED_IN),  # one's own data only: nothing to pick
    "account.delete": route(POST=LOGGED_IN),  # the empty form is refused (no password)
    "admin.privacy": route(GET=ADMIN_ONLY),
    "admin.save_privacy": route(POST=ADMIN_ONLY),
})
