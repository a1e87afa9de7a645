"""The forms the fuzzer posts: every POST endpoint of the site, who posts it, the object
in its URL, the form class whose fields it declares, and a valid body to start from.

The fuzzer (``test_form_fuzz.py``) keeps each field of the valid body or replaces it
with hostile text, drops it, repeats it, or adds unknown fields; starting from a valid
body lets odd-but-acceptable values reach the services and the database.

``args`` and the callables take the world of ``tests/security/conftest.py`` (plus the
few objects ``extend_world`` adds); ``target`` names the object whose row must stay as
it was when the answer refuses the post.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from alliance.admin.forms import (
    ApiTokenForm,
    CallForm,
    EndpointForm,
    GoalForm,
    RetentionForm,
    ThemeForm,
)
from alliance.auth.forms import (
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from alliance.challenges import models as cm
from alliance.challenges.forms import ChallengeForm, CriteriaForm, TermsForm
from alliance.evaluation import admin_forms as ea
from alliance.evaluation import forms as ef
from alliance.evaluation import models as em
from alliance.evaluation.reviews import comment_field, score_field
from alliance.extensions import db
from alliance.matching import matching_forms as mf
from alliance.matching import pilot_forms as pf
from alliance.matching.scouting_forms import InviteForm as ScoutingInviteForm
from alliance.partners.forms import MemberForm
from alliance.proposals.forms import ProposalForm
from alliance.startups.forms import InviteForm as StartupInviteForm
from alliance.startups.forms import RelationForm, StartupForm
from tests import factories as f
from tests.security.authz_matrix import MATRIX, raw

PASSWORD = "correct horse battery staple 42"  # long enough for the password policy


def extend_world(w) -> None:
    """Objects the matrix's world lacks for a form to get past its state checks."""
    w.users.newcomer = f.UserFactory()  # no start-up yet: may found one, may join A
    # A's draft to X's open challenge (editable), B's submitted one (withdrawable).
    w.a_draft = f.ProposalFactory(challenge=w.open, startup=w.a)
    w.b_open = f.ProposalFactory(challenge=w.open, startup=w.b, submitted=True)
    w.c = f.StartupFactory(name="Startup C S.r.l.", is_public=True)  # X may scout it


@dataclass(frozen=True)
class Spec:
    endpoint: str  # also a key of the authz matrix (its URL arguments), unless args say
    persona: str  # "anonymous" or a persona of world.users
    form: type | None = None  # the form class whose fields are fuzzed
    valid: Callable = lambda w: {}  # world -> {field: value or [values]}
    extra: tuple[str, ...] = ()  # fields the view reads besides the form's
    args: dict | None = None  # URL arguments (paths into the world), if not the matrix's
    target: str | None = None  # path into the world of the row the post edits
    multipart: bool = False
    writes_on_refusal: str = ""  # why a refused post may still write (by design)
    fieldlists: dict = field(default_factory=dict)  # FieldList name -> rows to send
    setup: Callable | None = None  # world -> None: what this form needs besides the world

    def url_args(self) -> dict:
        if self.args is not None:
            return self.args
        return MATRIX[self.endpoint].args


def _dt(days: int) -> str:
    return f"2027-{1 + days // 28:02d}-{1 + days % 28:02d}T10:00"


def _challenge_body(w) -> dict:
    return {"call": str(w.call.id), "lead_partner": str(w.x.id), "cosponsors": [str(w.y.id)],
            "title": "Cleaner air", "slug": "", "summary": "Sensors.", "description": "Text",
            "theme": str(w.theme.id), "expected_outcomes": "Maps", "rewards": "A pilot",
            "eligibility": "Start-ups", "opens_at": _dt(1), "deadline": _dt(60),
            "pilot_slots": "1"}


def _startup_body(w) -> dict:
    return {"name": "Newco", "vat_number": "", "registration_number": "HRB 1234",
            "country": "DE", "city": "Berlin", "founded_year": "2020", "team_size": "3",
            "stage": "mvp", "sectors": [str(w.theme.id)], "website": "https://newco.example",
            "pitch": "We help.", "is_public": "y"}


def _review_body(w) -> dict:
    body = {"comment_for_startup": "Good", "comment_for_committee": "Fine", "action": "save"}
    for criterion in w.round.criteria:
        body[score_field(criterion.id)] = "3"
        body[comment_field(criterion.id)] = "ok"
    return body


def _conflicts_body(w) -> dict:
    return {"confirm": "y", f"conflict_{w.b.id}": "y", f"reason_{w.b.id}": "My cousin",
            f"conflict_{w.a.id}": "", f"reason_{w.a.id}": ""}


def _criteria_body(w) -> dict:
    return {"criteria-0-name": "Impact", "criteria-0-description": "How much",
            "criteria-0-weight": "60", "criteria-0-scale": "5",
            "criteria-0-comment_required": "y",
            "criteria-1-name": "Cost", "criteria-1-weight": "40", "criteria-1-scale": "10"}


def _second_round_body(w) -> dict:
    return {"name": "Pitch day", "proposals": [str(w.proposal.id)], "weight": "1",
            "criteria-0-name": "Pitch", "criteria-0-weight": "1", "criteria-0-scale": "5"}


def _round_one_closed(w) -> None:
    """A's proposal shortlisted, round one closed: a second round may open."""
    f.DecisionFactory(proposal=w.proposal)
    w.round.status = em.CLOSED


def _round_in_setup(w) -> None:
    """Round one back in setup, when its settings and references may change."""
    w.round.status = em.SETUP


def _challenge_without_round(w) -> None:
    w.unrounded = f.ChallengeFactory(lead_partner=w.x, closed=True, status=cm.IN_EVALUATION,
                                     call=w.call, theme=w.theme)
    f.ProposalFactory(challenge=w.unrounded, startup=w.a, submitted=True)


NEXT = ("next",)
SPECS: list[Spec] = [
    # -- main, auth ------------------------------------------------------------------
    Spec("main.set_language", "startup_a", extra=("lang", "next"),
         valid=lambda w: {"lang": "it", "next": "/challenges/"}),
    Spec("auth.login", "anonymous", LoginForm,
         valid=lambda w: {"email": w.users.startup_a.email, "password": f.PASSWORD}),
    Spec("auth.logout", "startup_a", extra=NEXT),
    Spec("auth.register", "anonymous", RegisterForm,
         valid=lambda w: {"name": "Nina New", "email": "nina@example.org",
                          "password": PASSWORD, "password_confirm": PASSWORD,
                          "accept_privacy": "y"}),
    Spec("auth.resend_confirmation", "startup_a", ResendConfirmationForm),
    Spec("auth.reset_request", "anonymous", ResetRequestForm,
         valid=lambda w: {"email": w.users.startup_a.email}),
    Spec("auth.reset_password", "anonymous", ResetPasswordForm, target="users.startup_a",
         valid=lambda w: {"password": PASSWORD, "password_confirm": PASSWORD}),
    # -- start-ups ---------------------------------------------------------------------
    Spec("startups.create", "newcomer", StartupForm, valid=_startup_body),
    Spec("startups.edit", "startup_a", StartupForm, target="a",
         valid=lambda w: {**_startup_body(w), "name": "Startup A S.r.l."}),
    Spec("startups.members", "startup_a", StartupInviteForm,
         valid=lambda w: {"email": "cofounder@example.org"}),
    Spec("startups.cancel_invitation", "startup_a", target="cofounder_invitation"),
    Spec("startups.invitation", "newcomer", target="cofounder_invitation"),
    Spec("startups.relations", "startup_a", RelationForm,
         valid=lambda w: {"kind": "customer", "company_name": "Comune di Milano",
                          "partner": ""}),
    Spec("startups.remove_relation", "startup_a", target="relation"),
    # -- challenges --------------------------------------------------------------------
    Spec("challenges.create", "partner_x", ChallengeForm, valid=_challenge_body),
    Spec("challenges.edit", "partner_x", ChallengeForm, target="draft",
         valid=_challenge_body),
    Spec("challenges.criteria", "partner_x", CriteriaForm, target="draft",
         valid=_criteria_body, extra=("add_row",), fieldlists={"criteria": 3}),
    Spec("challenges.terms", "partner_x", TermsForm, target="draft",
         valid=lambda w: {"text": "## Terms\n\nIP stays with the start-up."}),
    Spec("challenges.submit", "partner_x", target="draft", extra=NEXT),
    *(Spec(f"challenges.{name}", "admin", target="draft", extra=("next", "comment"))
      for name in ("approve", "return_to_draft", "close", "start_evaluation", "decide",
                   "archive")),
    # -- proposals ---------------------------------------------------------------------
    Spec("proposals.apply", "startup_b", args={"slug": "y_open.slug"}),
    Spec("proposals.edit", "startup_a", ProposalForm, args={"proposal_id": "a_draft.id"},
         target="a_draft", multipart=True, extra=("action",),
         writes_on_refusal="a refused attachment or submission keeps the typed text as "
                           "the draft (proposals.views._save_text_only)",
         valid=lambda w: {"title": "Air", "abstract": "Sensors", "description": "**Trams**",
                          "trl": "6", "pilot_duration_months": "6",
                          "pilot_cost_eur": "45.000,50", "team": "Three",
                          "hidden_from": [str(w.y.id)], "accept_terms": "y",
                          "action": "save"}),
    Spec("proposals.withdraw", "startup_b", args={"proposal_id": "b_open.id"},
         target="b_open"),
    # -- admin -------------------------------------------------------------------------
    Spec("admin.new_call", "admin", CallForm,
         valid=lambda w: {"title": "Call 2027", "slug": "", "description": "Text",
                          "opens_at": _dt(1), "closes_at": _dt(90), "results_at": ""}),
    Spec("admin.edit_call", "admin", CallForm, target="call",
         valid=lambda w: {"title": "Call 2027", "slug": "call-2027", "description": "T",
                          "opens_at": _dt(1), "closes_at": _dt(90), "results_at": _dt(200)}),
    Spec("admin.themes", "admin", ThemeForm,
         valid=lambda w: {"name_it": "Acqua", "name_en": "Water"}),
    Spec("admin.edit_theme", "admin", ThemeForm, target="theme",
         valid=lambda w: {"name_it": "Acqua", "name_en": "Water"}),
    Spec("admin.move_theme", "admin", extra=("direction",), target="theme",
         valid=lambda w: {"direction": "up"}),
    Spec("admin.delete_theme", "admin", target="theme"),
    Spec("admin.members", "admin", MemberForm,
         valid=lambda w: {"email": w.users.juror_assigned.email}),
    Spec("admin.remove_member", "admin", target="x_membership"),
    # -- evaluation (admin) ------------------------------------------------------------
    Spec("evaluation.open_round", "admin", ea.RoundSettingsForm, extra=NEXT,
         args={"challenge_id": "unrounded.id"}, setup=_challenge_without_round,
         valid=lambda w: {"name": "Round", "reviewers_per_proposal": "2", "max_load": "",
                          "blind": "y", "disagreement_threshold": "15", "weight": "1"}),
    Spec("evaluation.second_round", "admin", ea.SecondRoundForm, valid=_second_round_body,
         fieldlists={"criteria": 4}, extra=NEXT, setup=_round_one_closed),
    Spec("evaluation.publish", "admin", extra=NEXT),
    Spec("evaluation.decide", "admin", ea.BulkDecisionForm, extra=("confirm", "next"),
         valid=lambda w: {"proposal_ids": [str(w.proposal.id)], "outcome": "shortlisted",
                          "feedback": "Well done", "confirm": "1"}),
    Spec("evaluation.round", "admin", ea.InviteForm,
         valid=lambda w: {"email": "new.juror@example.org", "person_name": "Jo Juror"}),
    Spec("evaluation.round_settings", "admin", ea.RoundSettingsForm, target="round",
         setup=_round_in_setup,
         # Reviews exist: the reviewers per proposal and blindness must stay as they are.
         valid=lambda w: {"name": "Round 1", "max_load": "4",
                          "reviewers_per_proposal": str(w.round.reviewers_per_proposal),
                          "blind": "y" if w.round.blind else "",
                          "normalise": "y", "disagreement_threshold": "12.5",
                          "share_reviews": "y", "weight": "1.5"}),
    Spec("evaluation.remove_member", "admin", target="member"),
    Spec("evaluation.references", "admin", ea.ReferenceForm, target="round",
         setup=_round_in_setup,
         valid=lambda w: {"first": str(w.proposal.id), "second": "0"}),
    *(Spec("evaluation.transition", "admin", target="round", extra=NEXT,
           args={"round_id": "round.id", "action": raw(action)})
      for action in ("calibrate", "start", "close", "reopen")),
    Spec("evaluation.run_assignment", "admin", extra=NEXT),
    Spec("evaluation.add_assignment", "admin", ea.AddAssignmentForm, extra=NEXT,
         valid=lambda w: {"proposal_id": str(w.b_proposal.id),
                          "juror": str(w.users.juror_assigned.id)}),
    Spec("evaluation.remove_assignment", "admin", target="assignment", extra=NEXT),
    Spec("evaluation.proposal", "admin", ea.OverrideForm,
         valid=lambda w: {"score": "72.5", "reason": "The pitch settled it."}),
    # -- jury --------------------------------------------------------------------------
    Spec("jury.profile", "juror_assigned", ef.ProfileForm,
         valid=lambda w: {"tags": "mobility, sensors", "expertise": "Air quality",
                          "organisation": "Politecnico"}),
    Spec("jury.conflicts_page", "juror_assigned", ef.ConflictsForm, valid=_conflicts_body,
         target="member"),
    Spec("jury.interest", "juror_assigned", ef.InterestForm, extra=("action",),
         valid=lambda w: {f"interest_{w.proposal.id}": "1", "action": "next"}),
    Spec("jury.review", "juror_conflicted", ef.ReviewForm, valid=_review_body,
         args={"assignment_id": "conflicted_assignment.id"}, target="conflicted_assignment",
         writes_on_refusal="an incomplete submission keeps the draft "
                           "(jury_views.review: IncompleteReview)"),
    Spec("jury.reopen", "juror_assigned", ef.ReopenForm, target="assignment"),
    Spec("jury.comment", "juror_assigned", ef.CommentForm,
         valid=lambda w: {"body": "I scored it high for the data."}),
    # -- matching ----------------------------------------------------------------------
    Spec("scouting.invite", "partner_x", ScoutingInviteForm, extra=NEXT,
         args={"slug": "open.slug", "startup_slug": "c.slug"},
         valid=lambda w: {"message": "Your sensors fit our challenge."}),
    Spec("scouting.decline", "startup_a", target="scouting_invitation", extra=NEXT),
    Spec("pilot_preferences.edit", "startup_a", mf.PreferencesForm,
         valid=lambda w: {"call_id": str(w.call.id), f"rank_{w.decided.id}": "1"}),
    Spec("matching_admin.settings", "admin", mf.SettingsForm, target="matching",
         valid=lambda w: {"pilots_per_startup": "2"}),
    Spec("matching_admin.add_adjustment", "admin", mf.AdjustmentForm,
         valid=lambda w: {"startup_id": str(w.a.id), "challenge_id": str(w.decided.id),
                          "kind": "exclude"}),
    Spec("matching_admin.remove_adjustment", "admin", target="adjustment"),
    # The matrix's world has a pilot under an open matching, which the app never makes
    # (pilots come from the lock): without it the lock can run.
    Spec("matching_admin.lock", "admin", mf.LockForm, target="matching",
         setup=lambda w: db.session.delete(w.pilot),
         valid=lambda w: {"solution": "stable", "confirm": "y"}),
    Spec("matching_admin.rematch", "admin", mf.RematchForm, target="pilot",
         valid=lambda w: {"startup_id": str(w.b.id)}),
    Spec("call_results.publish", "admin", target="matching"),
    Spec("call_results.unpublish", "admin", target="matching"),
    Spec("pilots.accept", "startup_a", target="pilot"),
    Spec("pilots.start", "partner_x", target="pilot"),
    Spec("pilots.decline", "startup_a", pf.DeclineForm, target="pilot",
         valid=lambda w: {"reason": "We merged with another company."}),
    Spec("pilots.complete", "partner_x", pf.CompleteForm, target="pilot",
         valid=lambda w: {"outcome": "It worked."}),
    # Issue 6: the console's own forms, and the account's privacy page.
    Spec("admin.new_goal", "admin", GoalForm,
         valid=lambda w: {"name_it": "Mobilità sostenibile", "name_en": "Sustainable mobility",
                          "description_it": "Testo", "description_en": "Text", "slug": "",
                          "position": "3"}),
    Spec("admin.edit_goal", "admin", GoalForm, target="goal",
         valid=lambda w: {"name_it": "Reti", "name_en": "Networks", "description_it": "",
                          "description_en": "", "slug": "reti", "position": "1"}),
    Spec("admin.api_tokens", "admin", ApiTokenForm,
         valid=lambda w: {"name": "Monthly report", "expires_on": "2027-06-30"}),
    Spec("admin.webhooks", "admin", EndpointForm,
         valid=lambda w: {"partner": str(w.x.id), "url": "http://127.0.0.1:9/hooks",
                          "events": ["proposal.submitted"]}),
    Spec("admin.save_privacy", "admin", RetentionForm, valid=lambda w: {"days": "365"}),
    Spec("account.delete", "newcomer", DeleteAccountForm, valid=lambda w: {"password": f.PASSWORD}),
]


def spec_id(spec: Spec) -> str:
    action = spec.url_args().get("action")
    return f"{spec.endpoint}-{action.value}" if isinstance(action, raw) else spec.endpoint


# -- GET pages whose query strings are fuzzed: (endpoint, persona, {param: kind}) --------

SEARCH_PARAMS = {"q": "query", "kind": "facet", "theme": "facet", "partner": "facet",
                 "call": "facet", "challenge_status": "facet", "trl": "int",
                 "proposal_status": "facet", "sort": "facet", "page": "int"}
GET_SPECS = [
    ("search.index", "anonymous", SEARCH_PARAMS),
    ("search.index", "admin", SEARCH_PARAMS),
    ("challenges.index", "anonymous",
     {"theme": "facet", "partner": "facet", "call": "facet", "state": "facet",
      "sort": "facet", "page": "int"}),
    ("admin.proposals", "admin",
     {"q": "query", "call": "int", "challenge": "int", "status": "facet", "page": "int"}),
    ("jury.dashboard", "juror_assigned",
     {"challenge": "int", "state": "facet", "score_min": "int", "score_max": "int",
      "page": "int"}),
    ("evaluation.challenge_ranking", "admin",
     {"sort": "facet", "dir": "facet", "q": "query", "state": "facet",
      "disagreement": "facet", "min_reviews": "int"}),
    ("evaluation.assignments", "admin",
     {"juror": "int", "q": "query", "short": "facet"}),
    ("evaluation.progress", "admin", {"pending": "facet"}),
    ("evaluation.index", "admin", {"page": "int"}),
    ("jury.interest", "juror_assigned", {"page": "int"}),
    ("pilots.index", "admin", {"call_id": "int", "page": "int"}),
    ("auth.login", "anonymous", {"next": "query"}),
    ("admin.users", "admin", {"q": "query", "role": "facet", "status": "facet", "page": "int"}),
    ("admin.audit_log", "admin",
     {"actor": "query", "action": "facet", "since": "facet", "until": "facet",
      "object_type": "facet", "object_id": "int", "page": "int"}),
    ("admin.index", "admin", {"call": "facet"}),
]
