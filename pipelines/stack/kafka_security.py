"""The local Kafka's SASL_SSL listener: TLS from a CA made under ``<home>/tls``, SCRAM-SHA-512 users,
and ACLs (StandardAuthorizer, KRaft) so each role may only do its job.

- ``scraper`` may write (and describe) the articles, pages and DLQ topics;
- ``indexer`` may read articles (in its consumer group) and write the DLQ.

The listener is ``127.0.0.1:<kafka_port + 5>`` (:func:`secure_port`; each node of the cluster profile
shifts it by the stride like its other ports, so 5 stays clear of the next node's broker port). The PLAINTEXT listener and
the controller stay as they were for the tests and the stack's own tooling: their principal
(``User:ANONYMOUS``) is a super user, so ACLs bind only clients of the SASL_SSL listener. Users
and passwords (random, made on first start) are in ``<home>/tls/users.json`` (mode 0600).

:func:`ensure_users_and_acls` runs after the broker is up (``khabar stack up`` when it started the
broker, ``khabar stack users`` on demand, and the test fixtures call it); it is idempotent.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import Settings
from pipelines.errors import StackError
from pipelines.stack.certs import CertPair, issue, make_ca

if TYPE_CHECKING:
    from pipelines.stack.kafka import KafkaService

MECHANISM = "SCRAM-SHA-512"
SECURE_PORT_OFFSET = 5
ROLES = ("scraper", "indexer")


def secure_port(settings: Settings) -> int:
    """The first node's SASL_SSL port (the one clients bootstrap from)."""
    return settings.kafka_port + SECURE_PORT_OFFSET


def tls_dir(settings: Settings) -> Path:
    return settings.home / "kafka" / "tls"


def users_file(settings: Settings) -> Path:
    return tls_dir(settings) / "users.json"


def _secrets(settings: Settings) -> dict[str, str]:
    path = users_file(settings)
    if path.is_file():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {role: secrets.token_urlsafe(18) for role in ROLES} | {"keystore": secrets.token_urlsafe(18)}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def ca_file(settings: Settings) -> Path:
    return tls_dir(settings) / "ca.pem"


def prepare_tls(settings: Settings) -> Path:
    """CA, broker certificate and its PKCS#12 keystore (made once); returns the keystore path."""
    directory = tls_dir(settings)
    keystore = directory / "broker.p12"
    if keystore.is_file():
        return keystore
    ca = make_ca(directory)
    broker: CertPair = issue(ca, directory, "broker")
    password = _secrets(settings)["keystore"]
    done = subprocess.run(
        ["openssl", "pkcs12", "-export", "-in", str(broker.cert), "-inkey", str(broker.key),
         "-name", "broker", "-out", str(keystore), "-passout", f"pass:{password}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise StackError(f"openssl pkcs12 failed: {done.stderr[-500:]}", reason="openssl_failed")
    keystore.chmod(0o600)
    return keystore


def listener_properties(service: KafkaService) -> dict[str, str]:
    """What server.properties needs for the SASL_SSL listener and the authorizer."""
    settings, host = service.settings, service.host
    keystore = prepare_tls(settings)
    port = service.shifted(secure_port(settings))
    return {
        "listeners": f"PLAINTEXT://{host}:{service.port},CONTROLLER://{host}:{service.controller_port},"
        f"SASL_SSL://{host}:{port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{service.port},CONTROLLER://{host}:{service.controller_port},"
        f"SASL_SSL://{host}:{port}",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL",
        "sasl.enabled.mechanisms": MECHANISM,
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(keystore),
        "ssl.keystore.password": _secrets(settings)["keystore"],
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": "User:ANONYMOUS",
        "allow.everyone.if.no.acl.found": "false",
    }


def role_settings(settings: Settings, role: str, *, password: str | None = None) -> Settings:
    """``settings`` for ``role`` on the SASL_SSL listener (its stack-made password unless given)."""
    return settings.with_overrides(
        kafka_bootstrap=f"127.0.0.1:{secure_port(settings)}",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=MECHANISM,
        kafka_username=role,
        kafka_password=_secrets(settings)[role] if password is None else password,
        kafka_ssl_cafile=str(ca_file(settings)),
    )


def ensure_users_and_acls(service: KafkaService) -> None:
    """Create the SCRAM users (Kafka's ConfigCommand) and the ACLs (admin API) on a running broker."""
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ResourcePattern,
        ResourceType,
    )

    settings = service.settings
    passwords = _secrets(settings)
    java = str(service._java())
    for role in ROLES:
        service._run(
            [java, "-Xmx128m", "-cp", service._classpath(), *service._system_props(), "kafka.admin.ConfigCommand",
             "--bootstrap-server", service.address, "--alter", "--entity-type", "users", "--entity-name", role,
             "--add-config", f"{MECHANISM}=[iterations=4096,password={passwords[role]}]"],
            f"creating Kafka user {role}",
        )  # fmt: skip

    def acl(role: str, op: ACLOperation, kind: ResourceType, name: str) -> ACL:
        return ACL(f"User:{role}", "*", op, ACLPermissionType.ALLOW, ResourcePattern(kind, name))

    topic, group = ResourceType.TOPIC, ResourceType.GROUP
    wanted = []
    for name in (settings.topic_articles, settings.topic_pages, settings.topic_dlq):
        wanted += [
            acl("scraper", ACLOperation.WRITE, topic, name),
            acl("scraper", ACLOperation.DESCRIBE, topic, name),
        ]
    wanted += [
        acl("indexer", ACLOperation.READ, topic, settings.topic_articles),
        acl("indexer", ACLOperation.DESCRIBE, topic, settings.topic_articles),
        acl("indexer", ACLOperation.READ, group, settings.indexer_group),
        acl("indexer", ACLOperation.WRITE, topic, settings.topic_dlq),
        acl("indexer", ACLOperation.DESCRIBE, topic, settings.topic_dlq),
    ]
    from pipelines.kafka.clients import make_admin

    admin = make_admin(
        settings.with_overrides(kafka_bootstrap=service.address, kafka_security_protocol="PLAINTEXT")
    )
    try:
        result = admin.create_acls(wanted)
    finally:
        admin.close()
    failed = result.get("failed") or []
    if failed:
        raise StackError(f"creating Kafka ACLs failed: {failed}", reason="kafka_acls_failed")
