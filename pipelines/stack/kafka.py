"""Kafka 4.1 in KRaft mode on 127.0.0.1, JDK 17, jars from Maven Central.

Single profile: one combined broker+controller, a one-voter quorum (dynamic, ``--standalone``).
Cluster profile: three combined nodes (node.id 1-3), a static three-voter quorum
(``controller.quorum.voters``), all formatted with one cluster id; internal topics and new topics
get 3 replicas and ``min.insync.replicas=2``, so one node can be lost without losing a write.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
from pathlib import Path

from kafka import KafkaAdminClient

from pipelines.errors import StackError
from pipelines.profile import kafka_heap, min_insync_replicas, replication_factor
from pipelines.stack import kafka_security, maven
from pipelines.stack.process import port_open
from pipelines.stack.service import LocalService, Progress

# Room for the record batch and record headers around one message of kafka_max_message_bytes.
_BATCH_OVERHEAD = 64 * 1024


class KafkaService(LocalService):
    kind = "kafka"
    start_timeout = 90.0
    stop_timeout = 30.0
    port_settings = ("KHABAR_KAFKA_PORT", "KHABAR_KAFKA_CONTROLLER_PORT")

    @property
    def port(self) -> int:
        return self.shifted(self.settings.kafka_port)

    @property
    def controller_port(self) -> int:
        return self.shifted(self.settings.kafka_controller_port)

    @property
    def node_id(self) -> int:
        return self.node + 1

    def voters(self) -> str:
        """``1@127.0.0.1:9093,2@127.0.0.1:9103,...``: every node's controller listener."""
        cport = self.settings.kafka_controller_port
        return ",".join(f"{n + 1}@{self.host}:{self.shifted(cport, n)}" for n in range(self.nodes))

    @property
    def ports(self) -> list[int]:
        return [self.port, self.controller_port, self.shifted(kafka_security.secure_port(self.settings))]

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
        rf = str(min(self.nodes, replication_factor(self.settings)))
        isr = str(min(self.nodes, min_insync_replicas(self.settings)))
        quorum = (
            {"controller.quorum.voters": self.voters()}
            if self.nodes > 1
            else {"controller.quorum.bootstrap.servers": f"{host}:{cport}"}
        )
        settings = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            **quorum,
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            # Internal topics as replicated as khabar's own (one copy on one node, three in a
            # cluster) and with few partitions so they load fast.
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            # The first consumer group joins at once instead of after 3 s.
            "group.initial.rebalance.delay.ms": "0",
            # Our largest message (Settings.kafka_max_message_bytes, e.g. a raw page) must fit.
            "message.max.bytes": str(self.settings.kafka_max_message_bytes + _BATCH_OVERHEAD),
            "replica.fetch.max.bytes": str(self.settings.kafka_max_message_bytes + _BATCH_OVERHEAD),
            "auto.create.topics.enable": "true",
            "log.retention.hours": "168",
        }
        settings |= kafka_security.listener_properties(self)  # SASL_SSL listener, SCRAM, ACLs
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
        progress(f"formatting {self.name} storage (first start)")
        java = str(self._java())
        base = [java, "-Xmx256m", "-cp", self._classpath(), *self._system_props(), "kafka.tools.StorageTool"]
        cluster_id = self._cluster_id(base)
        # -g: a re-run on formatted storage is fine. --standalone: this one node is the whole
        # (dynamic) quorum; cluster nodes have their static voters in server.properties instead.
        standalone = ["--standalone"] if self.nodes == 1 else []
        self._run(
            [*base, "format", "-t", cluster_id, "-c", str(self.config_file), *standalone, "-g"],
            "kafka-storage format",
        )

    def _cluster_id(self, base: list[str]) -> str:
        """One id for every node of a cluster (kept beside their folders), a fresh one for one node."""
        if self.nodes == 1:
            return self._run([*base, "random-uuid"], "kafka-storage random-uuid").strip().splitlines()[-1]
        shared = self.paths.run_dir / "kafka-cluster.id"
        if not shared.is_file():
            new = self._run([*base, "random-uuid"], "kafka-storage random-uuid").strip().splitlines()[-1]
            shared.parent.mkdir(parents=True, exist_ok=True)
            shared.write_text(new + "\n")
        return shared.read_text().strip()

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
            f"-Xms{kafka_heap(self.settings)}",
            f"-Xmx{kafka_heap(self.settings)}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            *self._system_props(),
            "-cp",
            self._classpath(),
            "kafka.Kafka",
            str(self.config_file),
        ]
