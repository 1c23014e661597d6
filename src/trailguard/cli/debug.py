"""``--debug``: boto3's and botocore's debug log on stderr, credentials taken out, and the
traceback of an unexpected error (without it, the CLI prints one line).

botocore logs at DEBUG what it signs and sends: the ``Authorization`` header (the access key
id and the signature), ``X-Amz-Security-Token``, the canonical request and, for
``AssumeRole``, the response body with the new credentials. :class:`Redact` rewrites every
record before it is written: these headers' and fields' values, any access key id, and the
credential values of the environment are replaced by ``<redacted>``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

LOGGERS = ("botocore", "boto3", "urllib3", "trailguard")
REDACTED = "<redacted>"
_SECRET_NAMES = (
    r"Authorization|X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential|Signature"
    r"|Credential|SecretAccessKey|SessionToken|AccessKeyId|aws_secret_access_key"
    r"|aws_session_token|aws_access_key_id|secret_key|access_key|token"
)
_PATTERNS = (
    # XML: <SecretAccessKey>...</SecretAccessKey>
    re.compile(rf"(<({_SECRET_NAMES})>)[^<]*(</\2>)", re.IGNORECASE),
    # 'Authorization': b'AWS4-HMAC-SHA256 Credential=..., Signature=...' (quoted values)
    re.compile(rf"""(['"]?(?:{_SECRET_NAMES})['"]?\s*[:=]\s*b?)(['"])(.*?)\2""", re.IGNORECASE),
    # x-amz-security-token:VALUE, Credential=VALUE, X-Amz-Signature=VALUE (unquoted)
    re.compile(rf"""(\b(?:{_SECRET_NAMES})\s*[:=]\s*)([^\s'",&<>}}]+)""", re.IGNORECASE),
    # access key ids: AKIA... (long-term), ASIA... (temporary)
    re.compile(r"()\b((?:AKIA|ASIA)[A-Z0-9]{16})\b()"),
)
_ENVIRONMENT = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with credential values replaced by ``<redacted>``."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    xml, quoted, plain, key_id = _PATTERNS
    text = xml.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    text = quoted.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    text = plain.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return key_id.sub(REDACTED, text)


class Redact(logging.Filter):
    """Rewrites each record's message (and traceback text) without credential values."""

    def __init__(self) -> None:
        super().__init__()
        # Secrets known now; at least 8 characters, so that no common word is replaced.
        found = (os.environ.get(name, "") for name in _ENVIRONMENT)
        self.secrets = tuple(s for s in found if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.exc_info = None
        return True


def traceback_text(line: str | None = None) -> str:
    """The traceback of the exception being handled (or ``line``, one line), credentials
    taken out."""
    import traceback

    from .common import one_line

    text = traceback.format_exc() if line is None else one_line(line) + "\n"
    return redact(text, Redact().secrets)


@contextmanager
def debug_logging(stream: TextIO) -> Iterator[None]:
    """Debug records of LOGGERS to ``stream``, redacted, for the duration of the block."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s [%(levelname)s] %(message)s"))
    handler.addFilter(Redact())
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
