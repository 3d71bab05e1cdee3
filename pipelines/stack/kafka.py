"""Kafka 4.1 in KRaft mode: one combined broker+controller on 127.0.0.1, JDK 17, jars from Maven Central."""

from __future__ import annotations

import contextlib
import logging
import subprocess
from pathlib import Path

from kafka import KafkaAdminClient

from pipelines.errors import StackError
from pipelines.stack import maven
from pipelines.stack.process import port_open
from pipelines.stack.service import LocalService, Progress

# Room for the record batch and record headers around one message of kafka_max_message_bytes.
_BATCH_OVERHEAD = 64 * 1024


class KafkaService(LocalService):
    name = "kafka"
    start_timeout = 90.0
    stop_timeout = 30.0
    port_settings = ("KHABAR_KAFKA_PORT", "KHABAR_KAFKA_CONTROLLER_PORT")

    @property
    def port(self) -> int:
        return self.settings.kafka_port

    @property
    def controller_port(self) -> int:
        return self.settings.kafka_controller_port

    @property
    def ports(self) -> list[int]:
        return [self.port, self.controller_port]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.paths.home / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.paths.home / "data"

    @property
    def marker(self) -> str:
        return str(self.config_file)

    @property
    def log_file(self) -> Path:
        return self.paths.logs / "server.log"

    def healthy(self, timeout: float = 2.0) -> bool:
        if not port_open(self.host, self.port):
            return False

        # kafka-python logs refused connections at ERROR; a probe expects some, so mute it meanwhile.
        kafka_log = logging.getLogger("kafka")
        level = kafka_log.level
        kafka_log.setLevel(logging.CRITICAL)
        ms = int(timeout * 1000)
        admin = None
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.address,
                client_id="khabar-stack-probe",
                request_timeout_ms=ms,
                bootstrap_timeout_ms=ms,
                connections_max_idle_ms=max(ms * 2, 10_000),
            )
            admin.list_topics()
            return True
        except Exception:  # anything but a metadata answer means "not a healthy Kafka here"
            return False
        finally:
            if admin is not None:
                with contextlib.suppress(Exception):
                    admin.close()
            kafka_log.setLevel(level)

    def server_properties(self) -> str:
        host, port, cport = self.host, self.port, self.controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.bootstrap.servers": f"{host}:{cport}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            # One node: every internal topic has one replica, and few partitions so they load fast.
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # The first consumer group joins at once instead of after 3 s.
            "group.initial.rebalance.delay.ms": "0",
            # Our largest message (Settings.kafka_max_message_bytes, e.g. a raw page) must fit.
            "message.max.bytes": str(self.settings.kafka_max_message_bytes + _BATCH_OVERHEAD),
            "replica.fetch.max.bytes": str(self.settings.kafka_max_message_bytes + _BATCH_OVERHEAD),
            "auto.create.topics.enable": "true",
            "log.retention.hours": "168",
        }
        lines = [
            "# Written by `khabar stack up` (pipelines/stack/kafka.py) on every start; edit that instead."
        ]
        lines += [f"{key}={value}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"

    def _java(self) -> Path:
        return maven.find_java17(self.settings.java17_home) / "bin" / "java"

    def _classpath(self) -> str:
        return str(self.paths.target / "lib" / "*")

    def _system_props(self) -> list[str]:
        return [
            f"-Dlog4j2.configurationFile={self.paths.project / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.paths.logs}",
            "-Djava.awt.headless=true",
        ]

    def prepare(self, progress: Progress) -> None:
        java_home = maven.find_java17(self.settings.java17_home)
        progress("resolving Kafka jars (Maven)")
        maven.resolve_jars(self.paths.project, java_home)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.server_properties())
        if (self.data_dir / "meta.properties").is_file():
            return
        progress("formatting Kafka storage (first start)")
        java = str(self._java())
        base = [java, "-Xmx256m", "-cp", self._classpath(), *self._system_props(), "kafka.tools.StorageTool"]
        cluster_id = self._run([*base, "random-uuid"], "kafka-storage random-uuid").strip().splitlines()[-1]
        # -g: a re-run on formatted storage is fine; --standalone: this node is the whole quorum.
        self._run(
            [*base, "format", "-t", cluster_id, "-c", str(self.config_file), "--standalone", "-g"],
            "kafka-storage format",
        )

    @staticmethod
    def _run(argv: list[str], what: str) -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise StackError(
                f"{what} failed (exit {proc.returncode}): {(proc.stdout + proc.stderr)[-2000:]}",
                reason="kafka_format_failed",
            )
        return proc.stdout

    def command(self) -> list[str]:
        return [
            str(self._java()),
            "-Xms512m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            *self._system_props(),
            "-cp",
            self._classpath(),
            "kafka.Kafka",
            str(self.config_file),
        ]
