"""``--debug``'s redaction (``trailguard.cli.debug.redact``) on what botocore logs at DEBUG:
the request headers, the canonical request, the signature and an AssumeRole response."""

from __future__ import annotations

import logging

from trailguard.cli.debug import Redact, redact

HEADERS = (
    "Sending http request: <AWSPreparedRequest stream_output=False, method=POST, "
    "url=https://sts.amazonaws.com/, headers={'X-Amz-Date': b'20261203T070000Z', "
    "'X-Amz-Security-Token': b'IQoJb3JpZ2luX2VjEXAMPLETOKEN', 'Authorization': "
    "b'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEYID1234/20261203/us-east-1/sts/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123abcd'}>"
)
CANONICAL = "host:sts.amazonaws.com\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN\n"
ASSUMED = (
    "Response body:\nb'<AssumeRoleResponse><AssumeRoleResult><Credentials>"
    "<AccessKeyId>ASIAEXAMPLEKEYID5678</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG"
    "</SecretAccessKey><SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken><Expiration>"
    "2026-12-03T08:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>'"
)
PARSED = "{'Credentials': {'AccessKeyId': 'ASIAEXAMPLEKEYID5678', 'SecretAccessKey': 'wJalr/K7'}}"
PRESIGNED = "https://s3/x?X-Amz-Credential=AKIAEXAMPLEKEYID0000%2F2026&X-Amz-Signature=ab12&a=1"


def test_redact_every_credential_botocore_logs() -> None:
    assert redact(HEADERS) == (
        "Sending http request: <AWSPreparedRequest stream_output=False, method=POST, "
        "url=https://sts.amazonaws.com/, headers={'X-Amz-Date': b'20261203T070000Z', "
        "'X-Amz-Security-Token': b'<redacted>', 'Authorization': b'<redacted>'}>"
    )
    assert redact(CANONICAL) == "host:sts.amazonaws.com\nx-amz-security-token:<redacted>\n"
    assert redact("Signature:\n0123456789abcdef") == "Signature:\n<redacted>"
    assert redact(ASSUMED) == (
        "Response body:\nb'<AssumeRoleResponse><AssumeRoleResult><Credentials>"
        "<AccessKeyId><redacted></AccessKeyId><SecretAccessKey><redacted></SecretAccessKey>"
        "<SessionToken><redacted></SessionToken><Expiration>2026-12-03T08:00:00Z</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>'"
    )
    assert redact(PARSED) == (
        "{'Credentials': {'AccessKeyId': '<redacted>', 'SecretAccessKey': '<redacted>'}}"
    )
    assert redact(PRESIGNED) == (
        "https://s3/x?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&a=1"
    )
    assert redact("key AKIAEXAMPLEKEYID0000 and secret s3cr3t-value-x", ("s3cr3t-value-x",)) == (
        "key <redacted> and secret <redacted>"
    )
    assert redact("Calculating signature using v4 auth.") == "Calculating signature using v4 auth."


def test_filter_rewrites_the_record_and_its_arguments() -> None:
    record = logging.LogRecord(
        "botocore.auth", logging.DEBUG, __file__, 1, "CanonicalRequest:\n%s", (CANONICAL,), None
    )
    assert Redact().filter(record) is True
    assert (record.getMessage(), record.args) == (
        "CanonicalRequest:\nhost:sts.amazonaws.com\nx-amz-security-token:<redacted>\n",
        None,
    )
