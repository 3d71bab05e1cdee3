"""The indexer's metrics server listens where KHABAR_METRICS_ADDR says (loopback only, here)."""

from __future__ import annotations

from ports import free_port

from pipelines.config import Settings
from pipelines.indexer.metrics import IndexerMetrics, scrape, serve_from_settings


def test_metrics_address_defaults_to_loopback() -> None:
    assert Settings().metrics_addr == "127.0.0.1"


def test_metrics_server_binds_the_configured_address_and_port() -> None:
    settings = Settings(metrics_addr="127.0.0.1", metrics_port=free_port())
    metrics = IndexerMetrics()
    metrics.consumed.inc(3)
    server = serve_from_settings(metrics, settings)
    assert server is not None
    try:
        assert server.server_address[:2] == ("127.0.0.1", settings.metrics_port)
        samples = scrape(settings.metrics_port)
        assert samples is not None
        assert samples["khabar_indexer_consumed_total"] == 3
    finally:
        server.shutdown()
        server.server_close()


def test_port_zero_turns_the_server_off() -> None:
    assert serve_from_settings(IndexerMetrics(), Settings(metrics_addr="127.0.0.1"), port=0) is None
