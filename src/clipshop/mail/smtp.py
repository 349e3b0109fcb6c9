"""Sending through an SMTP server with the standard library: plain, STARTTLS or implicit TLS, with an
optional log-in. One connection per message: mail is rare next to requests, and a fresh connection never
finds a server that dropped an idle one."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from clipshop.kit.ports import Email, MailFailed
from clipshop.mail.message import as_message


@dataclass
class SmtpTransport:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    tls: str = "none"  # none | starttls | ssl
    timeout_s: float = 30.0
    name: str = "smtp"

    def send(self, mail: Email) -> None:
        message = as_message(mail)
        try:
            if self.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailFailed(f"{self.host}:{self.port}: {error.__class__.__name__}: {error}") from error
