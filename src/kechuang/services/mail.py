"""Outgoing e-mail (password-reset links): built as a message, sent only when an SMTP server is configured."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kechuang.config import Settings

SMTP_TIMEOUT_S = 15
RESET_TEXT = {
    "zh": (
        "科创平台：重设密码",
        "{name}，您好：\n\n管理员为您的账户 {username} 签发了重设密码的链接：\n\n{link}\n\n"
        "链接 {hours} 小时内有效，只能使用一次。如非本人申请，请忽略本邮件并告知管理员。\n",
    ),
    "en": (
        "Kechuang: reset your password",
        "Dear {name},\n\nAn administrator issued a link to set a new "
        "password for your account {username}:\n\n{link}\n\nIt works once, within {hours} hours. If you "
        "did not ask for it, ignore this message and tell the administrator.\n",
    ),
}


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes; an empty host means no mail is sent at all."""

    host: str = ""
    port: int = 587
    sender: str = ""
    tls: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def smtp_settings(settings: Settings) -> SmtpSettings:
    return SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_tls)


def reset_message(
    sender: str, to: str, *, name: str, username: str, link: str, hours: int, lang: str = "zh"
) -> EmailMessage:
    """The e-mail carrying a password-reset link, in the account's language."""
    subject, body = RESET_TEXT["en" if lang == "en" else "zh"]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message.set_content(body.format(name=name or username, username=username, link=link, hours=hours))
    return message


def send(smtp: SmtpSettings, message: EmailMessage) -> bool:
    """Send through the configured server; False (and no connection at all) when none is configured."""
    if not smtp.enabled:
        return False
    with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S) as server:
        if smtp.tls:
            server.starttls()
        server.send_message(message)
    return True
