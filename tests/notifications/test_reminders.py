"""Deadline reminders: 7 days and 24 hours before, to start-ups with a draft, once only."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.notifications.models import DEADLINE_7D, DEADLINE_24H, ReminderSent
from alliance.notifications.reminders import send_deadline_reminders
from tests import factories


def _challenge(deadline, **kwargs):
    return factories.ChallengeFactory(published=True, deadline=deadline,
                                      title="Aria pulita vicino alle scuole", **kwargs)


def _drafting_startup(challenge, *locales):
    startup = factories.StartupFactory()
    users = [factories.StartupUserFactory(startup=startup, locale=locale) for locale in locales]
    proposal = factories.ProposalFactory(challenge=challenge, startup=startup)
    return users, proposal


def _sent_rows():
    return db.session.execute(sa.select(ReminderSent.challenge_id, ReminderSent.kind,
                                        ReminderSent.user_id)
                              .order_by(ReminderSent.id)).all()


def test_reminder_7_days_sent_once_to_drafters_only(app, ctx, mail_outbox, now):
    challenge = _challenge(now + timedelta(days=6))
    (first, second), proposal = _drafting_startup(challenge, "en", "en")
    submitted_startup = factories.StartupFactory()
    factories.StartupUserFactory(startup=submitted_startup)
    factories.ProposalFactory(challenge=challenge, startup=submitted_startup, submitted=True)
    factories.StartupUserFactory()  # a start-up with no proposal at all

    run = send_deadline_reminders(now=now)
    db.session.commit()
    again = send_deadline_reminders(now=now + timedelta(hours=1))
    db.session.commit()

    assert run.count(DEADLINE_7D) == 2 and again.sent == []
    assert sorted(m.to[0] for m in mail_outbox) == sorted([first.email, second.email])
    message = mail_outbox[0]
    assert message.subject == ("7 days left to submit your proposal to "
                               "“Aria pulita vicino alle scuole”")
    assert "still a draft" in message.body
    assert f"http://alliance.test/proposals/{proposal.id}/edit" in message.body
    assert _sent_rows() == [(challenge.id, DEADLINE_7D, first.id),
                            (challenge.id, DEADLINE_7D, second.id)]
    [event] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "notifications.deadline_reminders_sent"))
    assert event.data == {"deadline_7d": 2, "deadline_24h": 0, "challenges": [challenge.id]}


def test_reminder_24_hours_follows_the_7_days_one_once(app, ctx, mail_outbox, now):
    challenge = _challenge(now + timedelta(days=6))
    (user,), _proposal = _drafting_startup(challenge, "en")

    send_deadline_reminders(now=now)
    day_before = challenge.deadline - timedelta(hours=23)
    run = send_deadline_reminders(now=day_before)
    again = send_deadline_reminders(now=day_before + timedelta(hours=12))
    db.session.commit()

    assert run.count(DEADLINE_24H) == 1 and again.sent == []
    assert [m.subject.split(" to ")[0] for m in mail_outbox] == [
        "7 days left", "Last 24 hours"]
    assert "less than 24 hours are left" in mail_outbox[1].body
    assert _sent_rows() == [(challenge.id, DEADLINE_7D, user.id),
                            (challenge.id, DEADLINE_24H, user.id)]


def test_reminder_sent_again_for_a_deadline_moved_later(app, ctx, mail_outbox, now):
    challenge = _challenge(now + timedelta(days=6))
    _drafting_startup(challenge, "en")
    send_deadline_reminders(now=now)
    db.session.commit()

    challenge.deadline = now + timedelta(days=12)  # extended by six days
    db.session.commit()
    too_early = send_deadline_reminders(now=now + timedelta(days=1))
    moved = send_deadline_reminders(now=now + timedelta(days=6))
    db.session.commit()

    assert too_early.sent == [] and moved.count(DEADLINE_7D) == 1
    assert [m.subject.split(" to ")[0] for m in mail_outbox] == ["7 days left", "7 days left"]


def test_reminder_late_run_sends_only_the_24_hour_one(app, ctx, mail_outbox, now):
    challenge = _challenge(now + timedelta(hours=20))
    (user,), _proposal = _drafting_startup(challenge, "en")

    run = send_deadline_reminders(now=now)

    assert run.sent == [(challenge.id, DEADLINE_24H, user.id)]
    db.session.commit()
    assert len(mail_outbox) == 1


def test_reminder_none_too_early_after_deadline_or_when_not_open(app, ctx, mail_outbox, now):
    for challenge in (_challenge(now + timedelta(days=8)),  # too early
                      _challenge(now - timedelta(minutes=1)),  # deadline passed
                      factories.ChallengeFactory(deadline=now + timedelta(days=2)),  # a draft
                      _challenge(now + timedelta(days=2),
                                 opens_at=now + timedelta(days=1))):  # not open yet
        _drafting_startup(challenge, "en")

    run = send_deadline_reminders(now=now)
    db.session.commit()

    assert run.sent == [] and mail_outbox == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "notifications.deadline_reminders_sent")) == 0


def test_reminder_in_each_recipients_language_deadline_in_rome(app, ctx, mail_outbox):
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    challenge = _challenge(datetime(2026, 3, 16, 22, 30, tzinfo=UTC))  # 23:30 in Rome
    (italian, english), _proposal = _drafting_startup(challenge, "it", "en")

    send_deadline_reminders(now=now)
    db.session.commit()

    by_address = {m.to[0]: m.body for m in mail_outbox}
    assert by_address[italian.email].startswith(f"Ciao {italian.name},")
    assert "lunedì 16 marzo 2026, 23:30 CET (Europe/Rome)" in by_address[italian.email]
    assert by_address[english.email].startswith(f"Hello {english.name},")
    assert "Monday 16 March 2026, 23:30 +0100 (Europe/Rome)" in by_address[english.email]


def test_reminder_in_translated_title_when_the_challenge_has_one(app, ctx, mail_outbox, now):
    from alliance.challenges.models import ChallengeTranslation

    challenge = _challenge(now + timedelta(days=3))
    challenge.translations.append(ChallengeTranslation(
        locale="en", title="Clean air near schools", summary="s", description="d",
        expected_outcomes="", rewards="", eligibility=""))
    _drafting_startup(challenge, "en")

    send_deadline_reminders(now=now)
    db.session.commit()

    [message] = mail_outbox
    assert message.subject.endswith("“Clean air near schools”")


def test_reminders_command_through_smtp_twice_sends_once(smtp_app, smtp_server, runner):
    challenge = _challenge(utcnow() + timedelta(days=3))
    (user,), proposal = _drafting_startup(challenge, "en")
    db.session.commit()

    first = runner.invoke(args=["reminders", "send"])
    second = runner.invoke(args=["reminders", "send"])

    assert "reminders sent: 1 at 7 days, 0 at 24 hours" in first.output, first.output
    assert "reminders sent: 0 at 7 days, 0 at 24 hours" in second.output
    [message] = smtp_server.received
    assert message["X-Envelope-To"] == user.email
    body = message.get_body(("plain",)).get_content()
    assert "“Aria pulita vicino alle scuole”" in body
    assert f"/proposals/{proposal.id}/edit" in body
