"""How the cluster status reads Kafka's answers (pipelines/stack/cluster.py), without servers."""

from __future__ import annotations

import time

import kafka.errors as kafka_errors
import pytest

from pipelines.stack.cluster import _asking, _quorum


def _describe_quorum(error: str | None = None) -> dict:
    voters = [
        {"replica_id": 1, "log_end_offset": 900},
        {"replica_id": 2, "log_end_offset": 890},
        {"replica_id": 3, "log_end_offset": 100},
    ]
    part = {"partition_index": 0, "leader_id": 2, "leader_epoch": 7, "current_voters": voters, "error": error}
    return {"topics": [{"topic_name": "__cluster_metadata", "partitions": [part]}]}


def test_the_quorum_names_its_leader_epoch_and_a_voter_far_behind() -> None:
    q = _quorum(_describe_quorum())
    assert (q.leader_id, q.leader_epoch, q.voters, q.lagging) == (2, 7, [1, 2, 3], [3])


def test_an_answer_from_a_controller_that_no_longer_leads_is_not_a_quorum() -> None:
    with pytest.raises(kafka_errors.KafkaError) as raised:
        _quorum(_describe_quorum("NotLeaderOrFollowerError"))
    assert raised.value.retriable


def test_a_refused_connection_is_asked_again_until_a_survivor_answers() -> None:
    answers = iter([kafka_errors.KafkaConnectionError("111 ECONNREFUSED"), kafka_errors.NodeNotReadyError(2)])

    def call() -> str:
        error = next(answers, None)
        if error is not None:
            raise error
        return "described"

    assert _asking(call, time.monotonic() + 5) == "described"


def test_a_non_retriable_error_or_the_deadline_ends_the_asking() -> None:
    def refused() -> None:
        raise kafka_errors.KafkaConnectionError("111 ECONNREFUSED")

    def denied() -> None:
        raise kafka_errors.ClusterAuthorizationFailedError("denied")

    began = time.monotonic()
    with pytest.raises(kafka_errors.KafkaConnectionError):
        _asking(refused, began + 0.5)
    assert time.monotonic() - began < 2
    with pytest.raises(kafka_errors.ClusterAuthorizationFailedError):
        _asking(denied, time.monotonic() + 5)
