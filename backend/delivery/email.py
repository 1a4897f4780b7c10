"""The email channel: one message to one address over SMTP (SMTP_* settings).

smtplib blocks, so each send runs in a worker thread. A refused recipient or a permanent
(5xx) answer is not retried; a dropped connection or a temporary (4xx) answer is.
"""

from __future__ import annotations

import asyncio
import mimetypes
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from backend.config import Settings
from backend.delivery.message import EMAIL, Attachment, Message, Recipient, SendFailed

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True

    @classmethod
    def of(cls, settings: Settings) -> SmtpConfig:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host or "",
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=password,
            starttls=settings.smtp_starttls,
        )


def _types(item: Attachment) -> tuple[str, str]:
    guessed = item.content_type or mimetypes.guess_type(item.filename)[0]
    maintype, _, subtype = (guessed or "application/octet-stream").partition("/")
    return maintype, subtype or "octet-stream"


def build_email(sender: str, to: str, message: Message) -> EmailMessage:
    """Plain text, with the HTML as its alternative; inline images are related to the HTML
    (referenced as `cid:<filename>`), files are attachments."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
        html_part = mail.get_body(("html",))
        assert isinstance(html_part, EmailMessage)  # the part just added
        for image in message.images:
            maintype, subtype = _types(image)
            html_part.add_related(
                image.path.read_bytes(), maintype, subtype, cid=f"<{image.filename}>"
            )
    for item in message.attachments:
        maintype, subtype = _types(item)
        mail.add_attachment(
            item.path.read_bytes(), maintype=maintype, subtype=subtype, filename=item.filename
        )
    return mail


class EmailChannel:
    name = EMAIL

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    async def send(self, recipient: Recipient, message: Message) -> None:
        mail = build_email(self._config.sender, recipient.address, message)
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: EmailMessage) -> None:
        config = self._config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_S) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.user:
                    smtp.login(config.user, config.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as e:
            raise SendFailed(f"the mail server refused {mail['To']}", retryable=False) from e
        except smtplib.SMTPAuthenticationError as e:
            raise SendFailed("the mail server refused SMTP_USER's login", retryable=False) from e
        except smtplib.SMTPResponseException as e:
            reason = f"the mail server answered {e.smtp_code}"
            raise SendFailed(reason, retryable=e.smtp_code < 500) from e
        except (smtplib.SMTPException, OSError) as e:
            raise SendFailed(f"the mail server could not be reached: {type(e).__name__}") from e
