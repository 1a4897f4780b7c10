"""Fixtures of the delivery tests: a real SMTP server (tests/delivery/smtp.py)."""

from tests.delivery.smtp import smtp_server

__all__ = ["smtp_server"]
