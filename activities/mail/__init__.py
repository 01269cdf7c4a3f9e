"""The e-mail digest: composed (compose), read and stamped in the read model (pending),
delivered (send)."""

from activities.mail.compose import (
    KIND_LABELS,
    Digest,
    DigestItem,
    build_message,
    digest_subject,
)
from activities.mail.send import MailActivities, send_digests

__all__ = ["KIND_LABELS", "Digest", "DigestItem", "MailActivities", "build_message",
           "digest_subject", "send_digests"]
