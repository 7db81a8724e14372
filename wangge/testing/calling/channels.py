"""Where notices and alerts go: a pluggable channel.

`outbox` (the default) keeps each message in OutboxMessage, to be read on the outbox page or
forwarded by another system. `http_sms` posts batches to an SMS gateway over HTTP:

    POST <WANGGE_SMS_URL>  Authorization: Bearer <WANGGE_SMS_TOKEN>
    {"messages": [{"ref": "...", "phone": "1380...", "text": "..."}]}
    → 200 {"results": [{"ref": "...", "id": "provider id", "status": "sent" | "failed", "error": "..."}]}

Channels never log message text or phone numbers.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class Message:
    ref: str
    phone: str
    text: str
    path: str = ""


@dataclass
class SendResult:
    ref: str
    ok: bool
    provider_id: str = ""
    detail: str = ""


class Channel:
    name = "base"

    def send(self, messages: list[Message]) -> list[SendResult]:  # pragma: no cover - interface
        raise NotImplementedError


class OutboxChannel(Channel):
    name = "outbox"

    def send(self, messages: list[Message]) -> list[SendResult]:
        from wangge.testing.models import OutboxMessage

        rows = OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(channel=self.name, phone=m.phone, text=m.text, ref=m.ref, path=m.path)
                for m in messages
            ],
            batch_size=1000,
        )
        logger.info("outbox: %d messages stored", len(rows))
        return [
            SendResult(ref=m.ref, ok=True, provider_id=f"outbox:{r.pk or ''}")
            for m, r in zip(messages, rows, strict=True)
        ]


class HttpSmsChannel(Channel):
    name = "http_sms"
    batch_size = 200

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self.url = url or getattr(settings, "WANGGE_SMS_URL", "")
        self.token = token if token is not None else getattr(settings, "WANGGE_SMS_TOKEN", "")
        self.timeout = timeout

    def send(self, messages: list[Message]) -> list[SendResult]:
        results: list[SendResult] = []
        for start in range(0, len(messages), self.batch_size):
            results.extend(self._send_batch(messages[start : start + self.batch_size]))
        return results

    def _send_batch(self, batch: list[Message]) -> list[SendResult]:
        if not self.url:
            return [SendResult(ref=m.ref, ok=False, detail="no gateway configured") for m in batch]
        body = json.dumps(
            {"messages": [{"ref": m.ref, "phone": m.phone, "text": m.text} for m in batch]}
        ).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")  # noqa: S310 - configured URL
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            logger.warning("sms gateway failed for a batch of %d: %s", len(batch), type(exc).__name__)
            return [
                SendResult(ref=m.ref, ok=False, detail=f"gateway error: {type(exc).__name__}") for m in batch
            ]
        by_ref = {str(r.get("ref")): r for r in payload.get("results", []) if isinstance(r, dict)}
        out = []
        for m in batch:
            r = by_ref.get(m.ref)
            if r is None:
                out.append(SendResult(ref=m.ref, ok=False, detail="no answer from the gateway"))
            else:
                ok = r.get("status") == "sent"
                out.append(
                    SendResult(
                        ref=m.ref,
                        ok=ok,
                        provider_id=str(r.get("id", ""))[:80],
                        detail=str(r.get("error", ""))[:200],
                    )
                )
        return out


CHANNELS = {"outbox": OutboxChannel, "http_sms": HttpSmsChannel}


def get_channel() -> Channel:
    name = getattr(settings, "WANGGE_NOTICE_CHANNEL", "outbox")
    cls = CHANNELS.get(name) or import_string(name)
    return cls()
