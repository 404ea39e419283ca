"""Delivering alerts: an Atom feed per saved need, webhooks signed with HMAC-SHA256, e-mail
through SMTP, from the outbox in the store.

A delivery is marked `sending` before it is tried and `sent` after; a server that stops in
between tries it again when it starts (an alert is never lost). Each delivery carries the
alert's own id (`X-Alert-Id` for webhooks, the `Message-ID` of an e-mail), so a receiver that
saw it already can drop the repeat of such an interrupted attempt. A failed attempt waits
`backoff_s`, doubling, and after `max_attempts` the delivery is shown as failed.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import smtplib
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from xml.etree import ElementTree as ET

from matcher.settings import AlertSettings
from matcher.watch.alert_store import AlertStore
from matcher.watch.introductions import Introductions

log = logging.getLogger("matcher.alerts")
ATOM = "http://www.w3.org/2005/Atom"


def payload(row: dict[str, Any], base: str) -> dict[str, Any]:
    """What a channel says about one alert."""
    return {
        "alert_id": row["alert_id"],
        "need_id": row["need_id"],
        "entity_id": row["entity_id"],
        "name": row["name"],
        "kind": row["kind"],
        "band": row["band"],
        "relevance": row["relevance"],
        "url": f"{base.rstrip('/')}/entities/{urllib.parse.quote(row['entity_id'])}",
    }


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header of a webhook body: sha256=<hex HMAC-SHA256 with the secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_webhook_host(url: str, allow_private: bool) -> None:
    """Refuse a webhook whose host resolves to a private, loopback or link-local address."""
    if allow_private:
        return
    host = urllib.parse.urlsplit(url).hostname or ""
    for info in socket.getaddrinfo(host, None):
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local:
            raise ValueError(f"the webhook host {host} is a private address")


def send_webhook(row: dict[str, Any], need: dict[str, Any], settings: AlertSettings) -> None:
    url = need["body"]["webhook_url"]
    check_webhook_host(url, settings.allow_private_webhooks)
    body = json.dumps(payload(row, settings.public_url)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Alert-Id": f"alert-{row['alert_id']}",
        "X-Signature": signature(need["webhook_secret"], body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=settings.timeout_s) as answer:
        if not 200 <= answer.status < 300:
            raise OSError(f"the webhook answered {answer.status}")


def send_email(row: dict[str, Any], need: dict[str, Any], settings: AlertSettings) -> None:
    data = payload(row, settings.public_url)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = need["body"]["email"]
    message["Subject"] = f"New {data['band']} match: {data['name']}"
    message["Message-ID"] = f"<alert-{row['alert_id']}@matcher>"
    title = need["body"].get("title") or need["body"]["need"][:80]
    message.set_content(
        f"A new {data['band']} match for your saved need “{title}”:\n\n"
        f"{data['name']} ({data['kind']})\n{data['url']}\n"
    )
    mail(message, settings)


def mail(message: EmailMessage, settings: AlertSettings) -> None:
    """Send one message through the configured SMTP server (an error where there is none)."""
    if not settings.smtp_host:
        raise OSError("no SMTP server is configured")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_s) as smtp:
        smtp.send_message(message)


def after_failure(attempts: int, settings: AlertSettings) -> tuple[str, float]:
    """The state and next try of a delivery whose attempt number `attempts + 1` failed:
    pending after `backoff_s`, doubling, or failed once `max_attempts` are spent."""
    tried = attempts + 1
    state = "failed" if tried >= settings.max_attempts else "pending"
    return state, time.time() + settings.backoff_s * 2 ** (tried - 1)


SENDERS: dict[str, Callable[[dict[str, Any], dict[str, Any], AlertSettings], None]] = {
    "webhook": send_webhook,
    "email": send_email,
}


def deliver_due(alerts: AlertStore, settings: AlertSettings, now: float | None = None) -> int:
    """Try every delivery that is due; how many were sent."""
    now = time.time() if now is None else now
    sent = 0
    for row in alerts.due(now):
        need = alerts.needs.get(row["need_id"])
        if need is None:
            continue
        alert, channel = row["alert_id"], row["channel"]
        alerts.mark(alert, channel, "sending", now)
        try:
            SENDERS[channel](row, need, settings)
        except (OSError, ValueError, smtplib.SMTPException, urllib.error.URLError) as exc:
            state, next_at = after_failure(row["attempts"], settings)
            alerts.mark(alert, channel, state, next_at, str(exc)[:300])
            log.warning("alert %s by %s: attempt failed: %s", alert, channel, exc)
            continue
        alerts.mark(alert, channel, "sent", now)
        sent += 1
    return sent


def send_introduction(record: dict[str, Any], settings: AlertSettings) -> None:
    """An introduction request to the entity's public e-mail contact."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = record["send_to"]
    message["Reply-To"] = record["contact"]
    message["Subject"] = f"Introduction request from {record['requester']}"
    message["Message-ID"] = f"<{record['id'].replace(':', '-')}@matcher>"
    message.set_content(
        f"{record['requester']} ({record['contact']}) asks to be introduced, through the "
        f"Stockholm innovation matchmaking service:\n\n{record['message']}\n\n"
        "Answer them directly by replying to this message.\n"
    )
    mail(message, settings)


def deliver_introductions(
    introductions: Introductions, settings: AlertSettings, now: float | None = None
) -> int:
    """Send every introduction e-mail that is due; how many were sent."""
    now = time.time() if now is None else now
    sent = 0
    for record in introductions.due(now):
        introductions.mark(record["id"], "sending", now)
        try:
            send_introduction(record, settings)
        except (OSError, smtplib.SMTPException) as exc:
            state, next_at = after_failure(record["attempts"], settings)
            introductions.mark(record["id"], state, next_at, str(exc)[:300])
            continue
        introductions.mark(record["id"], "sent", now)
        sent += 1
    return sent


class Deliverer:
    """A thread that delivers due alerts and introductions every few seconds until stopped."""

    def __init__(
        self, alerts: AlertStore, introductions: Introductions, settings: AlertSettings
    ) -> None:
        self.alerts, self.introductions, self.settings = alerts, introductions, settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start delivering (again, after a stop: an app may be started more than once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alert-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self.alerts, self.settings)
                deliver_introductions(self.introductions, self.settings)
            except Exception:  # the loop must outlive one bad row; it is logged
                log.exception("alert delivery failed")
            self._stop.wait(self.settings.deliver_every_s)


def atom_feed(need: dict[str, Any], alerts: list[dict[str, Any]], base: str) -> bytes:
    """A saved need's alerts as an Atom feed."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    title = need["body"].get("title") or need["body"]["need"][:80]
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"New matches: {title}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:matcher:{need['id']}"
    newest = alerts[0]["created"] if alerts else need["updated"]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = newest
    for alert in alerts:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:matcher:alert:{alert['id']}"
        ET.SubElement(
            entry, f"{{{ATOM}}}title"
        ).text = f"{alert['name']} ({alert['kind']}, {alert['band']} match)"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = alert["created"]
        link = f"{base.rstrip('/')}/entities/{urllib.parse.quote(alert['entity_id'])}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=link)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
