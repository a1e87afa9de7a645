"""Development mail backend: each message goes to the log and to a readable
file under ``MAIL_FILE_PATH`` (``instance/mail/``), so a person can follow the
links it carries without a mail server."""
from __future__ import annotations

import logging
import os
import secrets
from datetime import datetime

from flask import current_app
from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("alliance.mail")


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        folder = current_app.config["MAIL_FILE_PATH"]
        os.makedirs(folder, exist_ok=True)
        sent = 0
        for message in messages:
            message.message()  # validates the headers, as a real backend would
            text = (
                f"From: {message.from_email}\nTo: {', '.join(message.to)}\n"
                f"Subject: {message.subject}\n\n{message.body}\n"
            )
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            path = os.path.join(folder, f"{stamp}-{secrets.token_hex(4)}.txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            log.info("mail to %s: %s (saved in %s)\n%s", ", ".join(message.to),
                     message.subject, path, message.body)
            sent += 1
        return sent
