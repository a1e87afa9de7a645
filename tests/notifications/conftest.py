from tests.notifications.smtp import smtp_app, smtp_server  # noqa: F401 - fixtures
