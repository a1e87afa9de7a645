"""Template filters: amounts in the user's locale."""


def test_money_in_italian_and_english(app):
    from decimal import Decimal

    from flask_babel import force_locale

    from alliance.core.templating import money

    with app.test_request_context():
        with force_locale("it"):
            assert money(Decimal("45000")) == "€ 45.000"
            assert money(Decimal("45000.5")) == "€ 45.000,50"
        with force_locale("en"):
            assert money(Decimal("45000.5")) == "€ 45,000.50"
