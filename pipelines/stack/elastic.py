"""Elasticsearch 9 as an embedded node (infra/local/elasticsearch's launcher) on JDK 21+.

Contract with the launcher: ``mvn package`` builds ``target/khabar-es-local.jar`` and
``target/lib/*.jar``; ``khabar.local.EsMain --home DIR --http-port P --transport-port T`` starts a
single-node cluster and prints ``KHABAR-ES-READY http://127.0.0.1:<port>`` once it serves. In the
cluster profile each of three nodes also gets ``--node-name``, ``--seed-hosts`` (every node's
transport address) and ``--initial-master-nodes`` (all three names: every node is master-eligible).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from pipelines.errors import StackError
from pipelines.profile import es_heap
from pipelines.stack import maven
from pipelines.stack.service import LocalService, Progress

MAIN_CLASS = "khabar.local.EsMain"
JAR_NAME = "khabar-es-local.jar"


def _get(url: str, timeout: float) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # a loopback URL we built
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


CLUSTER_NAME = "khabar-local"


class ElasticService(LocalService):
    kind = "elasticsearch"
    start_timeout = 180.0  # first start on 2 cores: JIT-cold node plus cluster election
    stop_timeout = 30.0
    port_settings = ("KHABAR_ES_PORT", "KHABAR_ES_TRANSPORT_PORT")

    @property
    def port(self) -> int:
        return self.shifted(self.settings.es_port)

    @property
    def transport_port(self) -> int:
        return self.shifted(self.settings.es_transport_port)

    def node_name(self, node: int | None = None) -> str:
        return f"{CLUSTER_NAME}-{(self.node if node is None else node) + 1}"

    @property
    def ports(self) -> list[int]:
        return [self.port, self.transport_port]

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def jar(self) -> Path:
        return self.paths.target / JAR_NAME

    @property
    def marker(self) -> str:
        return f"--home {self.paths.home}"

    def healthy(self, timeout: float = 2.0) -> bool:
        try:
            status, _, body = _get(
                f"{self.address}/_cluster/health?wait_for_status=yellow&timeout={max(1, int(timeout))}s",
                timeout + 1,
            )
            if status != 200 or json.loads(body).get("status") not in {"yellow", "green"}:
                return False
            # GET / is what the Python client's info() calls; it also proves this is Elasticsearch.
            status, headers, _ = _get(f"{self.address}/", timeout)
            return status == 200 and headers.get("x-elastic-product") == "Elasticsearch"
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _java_home(self) -> Path:
        return maven.find_java21(self.settings.java21_home)

    def prepare(self, progress: Progress) -> None:
        java_home = self._java_home()
        if not (self.paths.project / "pom.xml").is_file():
            raise StackError(
                f"{self.paths.project}/pom.xml is missing: the Elasticsearch launcher is not there",
                reason="es_launcher_missing",
            )
        progress("building the Elasticsearch launcher (Maven)")
        maven.build_jar(self.paths.project, self.jar, java_home)
        self.paths.home.mkdir(parents=True, exist_ok=True)
        self.paths.logs.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        classpath = f"{self.jar}:{self.paths.target / 'lib' / '*'}"
        heap = es_heap(self.settings)
        cluster: list[str] = []
        if self.nodes > 1:
            transport = self.settings.es_transport_port
            cluster = [
                "--seed-hosts",
                ",".join(f"{self.host}:{self.shifted(transport, n)}" for n in range(self.nodes)),
                "--initial-master-nodes",
                ",".join(self.node_name(n) for n in range(self.nodes)),
            ]
        return [
            str(self._java_home() / "bin" / "java"),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "--enable-native-access=ALL-UNNAMED",
            "-Dio.netty.noUnsafe=true",
            "-cp",
            classpath,
            MAIN_CLASS,
            "--home",
            str(self.paths.home),
            "--http-port",
            str(self.port),
            "--transport-port",
            str(self.transport_port),
            "--cluster-name",
            CLUSTER_NAME,
            "--node-name",
            self.node_name(),
            *cluster,
        ]
