"""Profiles: what ``single`` and ``cluster`` mean for replication, ports and the servers' configs."""

from __future__ import annotations

import pytest

from pipelines import stack
from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import template_body
from pipelines.errors import ConfigError
from pipelines.kafka.clients import common_config
from pipelines.kafka.topics import topic_specs
from pipelines.profile import index_replicas, min_insync_replicas, replication_factor

CLUSTER = Settings.from_env(
    {},
    profile="cluster",
    kafka_port=20301,
    kafka_controller_port=20302,
    es_port=20303,
    es_transport_port=20304,
)


def test_topics_take_replication_and_min_insync_from_the_profile() -> None:
    single = {
        (s.replication_factor, s.configs["min.insync.replicas"]) for s in topic_specs(Settings.from_env({}))
    }
    cluster = {(s.replication_factor, s.configs["min.insync.replicas"]) for s in topic_specs(CLUSTER)}
    assert (single, cluster) == ({(1, "1")}, {(3, "2")})


def test_explicit_settings_win_and_min_insync_never_exceeds_the_copies() -> None:
    two = CLUSTER.with_overrides(replication_factor=2)
    assert (replication_factor(two), min_insync_replicas(two)) == (2, 2)
    one = CLUSTER.with_overrides(replication_factor=1)
    assert min_insync_replicas(one) == 1
    assert index_replicas(CLUSTER.with_overrides(index_replicas=2)) == 2


def test_index_template_gets_a_fixed_replica_only_in_the_cluster_profile() -> None:
    single = template_body(Settings.from_env({}))["template"]["settings"]["index"]
    cluster = template_body(CLUSTER)["template"]["settings"]["index"]
    assert single["auto_expand_replicas"] == "0-1" and "number_of_replicas" not in single
    assert (cluster["auto_expand_replicas"], cluster["number_of_replicas"]) == (False, 1)


def test_an_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="KHABAR_PROFILE='triple'"):
        replication_factor(Settings(profile="triple"))


def test_cluster_nodes_keep_the_first_ports_and_stride_the_others() -> None:
    nodes = {svc.name: svc.ports for svc in stack.services(settings=CLUSTER)}
    assert nodes == {
        "kafka-1": [20301, 20302, 20306],  # broker, controller, SASL_SSL listener
        "kafka-2": [20311, 20312, 20316],
        "kafka-3": [20321, 20322, 20326],
        "elasticsearch-1": [20303, 20304],
        "elasticsearch-2": [20313, 20314],
        "elasticsearch-3": [20323, 20324],
    }
    every = [port for ports in nodes.values() for port in ports]
    assert len(every) == len(set(every)), "two servers of the cluster would bind the same port"
    assert stack.addresses(CLUSTER) == {
        "kafka": "127.0.0.1:20301,127.0.0.1:20311,127.0.0.1:20321",
        "elasticsearch": "http://127.0.0.1:20303,http://127.0.0.1:20313,http://127.0.0.1:20323",
    }
    # The single profile keeps its one server per kind, its folder and pid file names.
    assert [svc.name for svc in stack.services(settings=Settings.from_env({}))] == ["kafka", "elasticsearch"]
    assert [svc.name for svc in stack.services(["kafka"], settings=CLUSTER)] == [
        "kafka-1",
        "kafka-2",
        "kafka-3",
    ]


def test_kafka_nodes_share_a_static_three_voter_quorum() -> None:
    props = dict(
        line.split("=", 1)
        for line in stack.services(["kafka-2"], settings=CLUSTER)[0].server_properties().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:20302,2@127.0.0.1:20312,3@127.0.0.1:20322"
    assert props["listeners"] == (
        "PLAINTEXT://127.0.0.1:20311,CONTROLLER://127.0.0.1:20312,SASL_SSL://127.0.0.1:20316"
    )
    assert (props["offsets.topic.replication.factor"], props["min.insync.replicas"]) == ("3", "2")
    single = stack.services(["kafka"], settings=Settings.from_env({}))[0].server_properties()
    assert "controller.quorum.bootstrap.servers=127.0.0.1:9093" in single
    assert "controller.quorum.voters" not in single


def test_elasticsearch_nodes_discover_each_other() -> None:
    argv = stack.services(["elasticsearch-3"], settings=CLUSTER)[0].command()
    args = dict(zip(argv[argv.index("--home") :: 2], argv[argv.index("--home") + 1 :: 2], strict=False))
    assert args["--node-name"] == "khabar-local-3"
    assert args["--seed-hosts"] == "127.0.0.1:20304,127.0.0.1:20314,127.0.0.1:20324"
    assert args["--initial-master-nodes"] == "khabar-local-1,khabar-local-2,khabar-local-3"
    assert "-Xmx512m" in argv
    single = stack.services(["elasticsearch"], settings=Settings.from_env({}))[0].command()
    assert "--seed-hosts" not in single and "-Xmx1g" in single


def test_clients_accept_comma_separated_host_lists() -> None:
    settings = Settings(kafka_bootstrap="127.0.0.1:20301, 127.0.0.1:20311,", es_url="http://127.0.0.1:20303")
    assert common_config(settings, "test")["bootstrap_servers"] == ["127.0.0.1:20301", "127.0.0.1:20311"]
    es = es_client(settings.with_overrides(es_url="http://127.0.0.1:20303,http://127.0.0.1:20313"))
    try:
        assert sorted(node.port for node in es.transport.node_pool.all()) == [20303, 20313]
    finally:
        es.close()
