"""An `Email` as an RFC 5322 message (stdlib `email`), the form both transports write."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, localtime

from clipshop.kit.ports import Email


def as_message(mail: Email) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = mail.message_id
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(localtime())
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    return message
