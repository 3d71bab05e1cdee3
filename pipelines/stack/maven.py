"""The JVM toolchain of the local stack: finding JDKs and Maven, resolving and building jars.

Kafka 4.1 runs on JDK 17 (the machine's default ``java``); Elasticsearch 9 needs JDK 21+.
Every missing tool is a :class:`StackError` that says what to install, never a silent skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from pipelines.errors import StackError

JVM_ROOT = Path("/usr/lib/jvm")


def java_major(java_home: Path) -> int | None:
    """The feature version of the JDK at ``java_home`` (17, 21, 25...), or None if there is none."""
    java = java_home / "bin" / "java"
    if not java.is_file():
        return None
    release = java_home / "release"
    text = release.read_text(errors="replace") if release.is_file() else ""
    match = re.search(r'JAVA_VERSION="(\d+)', text)
    if not match:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False).stderr
        match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else None


def _candidates(explicit: str, patterns: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    if explicit:
        found.append(Path(explicit))
    for pattern in patterns:
        found.extend(sorted(JVM_ROOT.glob(pattern), reverse=True))
    if os.environ.get("JAVA_HOME"):
        found.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path).resolve().parent.parent)
    found.extend(sorted(JVM_ROOT.glob("*"), reverse=True))
    return found


def find_jdk(
    minimum: int, *, explicit: str = "", prefer: Iterable[str] = (), purpose: str, setting: str
) -> Path:
    """First JDK of at least ``minimum``: the explicit setting, then ``prefer`` globs, JAVA_HOME, PATH."""
    if explicit:
        major = java_major(Path(explicit))
        if major is None or major < minimum:
            raise StackError(
                f"{purpose} needs JDK {minimum}+, but {setting}={explicit} is "
                f"{'not a JDK' if major is None else f'JDK {major}'}",
                reason="jdk_missing",
            )
        return Path(explicit)
    seen: set[Path] = set()
    for home in _candidates("", prefer):
        if home in seen:
            continue
        seen.add(home)
        major = java_major(home)
        if major is not None and major >= minimum:
            return home
    raise StackError(
        f"{purpose} needs JDK {minimum}+ and none was found (looked in {JVM_ROOT}, JAVA_HOME, PATH). "
        f"Install one (e.g. `apt-get install openjdk-{minimum}-jdk-headless`) or set {setting}.",
        reason="jdk_missing",
    )


def find_java17(explicit: str = "") -> Path:
    return find_jdk(
        17,
        explicit=explicit,
        prefer=("java-17-openjdk*", "*17*"),
        purpose="Kafka 4.1",
        setting="KHABAR_JAVA17_HOME",
    )


def find_java21(explicit: str = "") -> Path:
    return find_jdk(
        21,
        explicit=explicit,
        prefer=("temurin-25*", "temurin-2[1-9]*", "java-2[1-9]-openjdk*"),
        purpose="Elasticsearch 9",
        setting="KHABAR_JAVA21_HOME",
    )


def find_mvn() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError(
            "Maven (`mvn`) is not on PATH: it resolves the Kafka and Elasticsearch jars from Maven Central. "
            "Install it (e.g. `apt-get install maven`).",
            reason="maven_missing",
        )
    return mvn


def _run_mvn(args: list[str], *, java_home: Path, what: str) -> None:
    env = {**os.environ, "JAVA_HOME": str(java_home)}
    proc = subprocess.run(
        [find_mvn(), "-q", "-B", *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip().splitlines()
        raise StackError(
            f"{what} failed (mvn exit {proc.returncode}):\n" + "\n".join(output[-30:]), reason="maven_failed"
        )


def _require_checkout(pom: Path) -> None:
    # The Maven projects of the local stack live in the source tree (infra/local), not in the wheel.
    if not pom.is_file():
        raise StackError(
            f"the local stack is built from a source checkout and {pom} is missing; an installed khabar "
            "talks to your own Kafka and Elasticsearch (KHABAR_KAFKA_BOOTSTRAP, KHABAR_ES_URL)",
            reason="no_checkout",
        )


def _newest_mtime(paths: Iterable[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def resolve_jars(project: Path, java_home: Path) -> Path:
    """Copy the runtime jars of ``project/pom.xml`` into ``project/target/lib`` (once per pom change).

    Maven's local repository (~/.m2) caches the downloads, so only the first run is slow.
    """
    pom = project / "pom.xml"
    _require_checkout(pom)
    lib = project / "target" / "lib"
    stamp = project / "target" / "lib.resolved"
    if stamp.is_file() and stamp.stat().st_mtime >= pom.stat().st_mtime and any(lib.glob("*.jar")):
        return lib
    fresh = project / "target" / f"lib.{os.getpid()}.tmp"
    shutil.rmtree(fresh, ignore_errors=True)
    _run_mvn(
        [
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={fresh}",
        ],
        java_home=java_home,
        what=f"resolving the jars of {pom}",
    )
    # Swap in whole so a version bump never leaves old and new jars side by side.
    shutil.rmtree(lib, ignore_errors=True)
    fresh.rename(lib)
    stamp.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return lib


def build_jar(project: Path, jar: Path, java_home: Path) -> Path:
    """``mvn package`` the project unless ``jar`` is newer than its pom and sources."""
    _require_checkout(project / "pom.xml")
    sources = [project / "pom.xml", *(p for p in (project / "src").rglob("*") if p.is_file())]
    if jar.is_file() and jar.stat().st_mtime >= _newest_mtime(sources):
        return jar
    _run_mvn(
        ["-f", str(project / "pom.xml"), "package", "-DskipTests"],
        java_home=java_home,
        what=f"building {jar.name}",
    )
    if not jar.is_file():
        raise StackError(f"`mvn package` in {project} did not produce {jar}", reason="build_failed")
    return jar
