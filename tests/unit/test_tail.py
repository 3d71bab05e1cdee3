"""`khabar tail`'s header line: CloudEvents and foreign headers shown, repeats of the first line not."""

from article_factory import article_headers, make_article

from pipelines.cli.tail import event_headers


def test_event_headers_show_the_cloudevents_and_not_what_the_first_line_says() -> None:
    article = make_article(3)
    headers = article_headers(article)
    shown = dict(pair.split("=", 1) for pair in event_headers(headers, article.article_id).split())
    assert set(shown) == {"ce_id", "ce_type", "ce_source", "ce_time", "traceparent"}
    assert all(shown[name] == headers[name] for name in shown)


def test_event_headers_keep_what_differs_from_khabars_defaults() -> None:
    headers = {
        "schema": "news.articles.v1",
        "ce_specversion": "2.0",
        "ce_subject": "another-key",
        "content-type": "text/plain",
        "x-foreign": "kept",
    }
    shown = event_headers(headers, "the-key").split()
    assert shown == [
        "ce_specversion=2.0",
        "ce_subject=another-key",
        "content-type=text/plain",
        "x-foreign=kept",
    ]
