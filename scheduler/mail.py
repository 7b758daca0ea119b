"""Outgoing e-mail through a configured SMTP server.

Settings are passed in (a mapping with the SMTP_* keys of webapp.config), so jobs and CLI
commands send mail without a Flask app.  No SMTP_HOST means e-mail is switched off:
``send_mail`` returns False and in-app notifications still go out.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any


def send_mail(settings: Mapping[str, Any], to: list[str], subject: str, body: str) -> bool:
    host = settings.get("SMTP_HOST")
    recipients = [a for a in to if a]
    if not host or not recipients:
        return False
    msg = EmailMessage()
    msg["From"] = settings.get("SMTP_SENDER") or "wfm@localhost"
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(host, int(settings.get("SMTP_PORT") or 25), timeout=20) as smtp:
        if settings.get("SMTP_STARTTLS"):
            smtp.starttls()
        if settings.get("SMTP_USER"):
            smtp.login(settings["SMTP_USER"], settings.get("SMTP_PASSWORD") or "")
        smtp.send_message(msg)
    return True
