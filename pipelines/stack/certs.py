"""A private CA and certificates signed by it, made with openssl, for TLS on 127.0.0.1.

Used by the tests of the TLS clients (Elasticsearch, Kafka) and meant for the local stack's
SASL_SSL listener: files under ``<home>/tls``, never committed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import StackError


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    exe = shutil.which("openssl")
    if exe is None:
        raise StackError("openssl is not installed (apt-get install openssl)", reason="missing_openssl")
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {done.stderr.strip()[-500:]}", reason="openssl_failed")


def make_ca(directory: Path, name: str = "khabar-local-ca") -> CertPair:
    """A self-signed CA (EC P-256, valid 30 days) in ``directory``; reused if already there."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = CertPair(directory / "ca.pem", directory / "ca.key")
    if ca.cert.exists() and ca.key.exists():
        return ca
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca.key.name, cwd=directory)
    _openssl(
        "req", "-x509", "-new", "-key", ca.key.name, "-sha256", "-days", "30",
        "-subj", f"/CN={name}", "-out", ca.cert.name,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    ca.key.chmod(0o600)
    return ca


def issue(ca: CertPair, directory: Path, name: str, *, server: bool = True) -> CertPair:
    """A certificate for ``name`` signed by ``ca``: for 127.0.0.1/::1/localhost if ``server``,
    else a client certificate (CN = ``name``)."""
    pair = CertPair(directory / f"{name}.pem", directory / f"{name}.key")
    csr = directory / f"{name}.csr"
    ext = directory / f"{name}.ext"
    usage = "serverAuth" if server else "clientAuth"
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", f"extendedKeyUsage={usage}"]
    if server:
        lines.append("subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost")
    ext.write_text("\n".join(lines) + "\n")
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pair.key.name, cwd=directory)
    _openssl("req", "-new", "-key", pair.key.name, "-subj", f"/CN={name}", "-out", csr.name, cwd=directory)
    _openssl(
        "x509", "-req", "-in", csr.name, "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial",
        "-days", "30", "-sha256", "-extfile", ext.name, "-out", pair.cert.name,
        cwd=directory,
    )  # fmt: skip
    pair.key.chmod(0o600)
    csr.unlink()
    ext.unlink()
    return pair
