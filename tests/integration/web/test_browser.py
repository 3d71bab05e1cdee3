"""The search page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``),
served by uvicorn on 127.0.0.1 over the sample site's articles. A missing browser fails these tests.

The screenshot of a ``سوريا`` search is saved as ``var/test-artifacts/search-page.png``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
import web_helpers
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from web_helpers import ARTIFACTS, WIRE_SOURCE, WebIndex

pytestmark = pytest.mark.integration

SYRIA = "سوريا"

# Every <mark> must hold whole words: the character just outside it on either side may not be a
# letter, mark or digit (else the browser would shape a word in two pieces).
_SPLIT_WORDS = """
const inWord = (c) => /[\\p{L}\\p{M}\\p{N}]/u.test(c || "");
const bad = [];
for (const m of document.querySelectorAll("mark")) {
  const before = m.previousSibling ? m.previousSibling.textContent.slice(-1) : "";
  const after = m.nextSibling ? m.nextSibling.textContent.slice(0, 1) : "";
  if (inWord(before) || inWord(after)) bad.push(before + "[" + m.textContent + "]" + after);
}
return bad;
"""


def _open(browser, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _ids(browser) -> list[str]:
    return [e.get_attribute("data-article-id") for e in browser.find_elements(By.CSS_SELECTOR, "li.hit")]


def _total(browser) -> int:
    return int(browser.find_element(By.ID, "summary").get_attribute("data-total"))


def _click_and_wait(browser, element) -> None:
    old = browser.current_url
    element.click()
    WebDriverWait(browser, 30).until(ec.url_changes(old))
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_syria_shows_the_seed_highlighted_right_to_left(browser, web_url: str, web_index: WebIndex) -> None:
    _open(browser, f"{web_url}/?q={quote(SYRIA)}")
    seed = browser.find_element(By.CSS_SELECTOR, f'li.hit[data-article-id="{web_index.seed.article_id}"]')
    marks = seed.find_elements(By.TAG_NAME, "mark")
    assert marks and all(m.is_displayed() for m in marks)
    assert any(SYRIA in m.text for m in marks)
    assert seed.find_element(By.CSS_SELECTOR, "h2.title a").get_attribute("href") == web_index.seed.url

    # right-to-left where it matters, left-to-right for the URL
    style = "return getComputedStyle(arguments[0]).direction"
    assert browser.execute_script("return getComputedStyle(document.documentElement).direction") == "rtl"
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    assert browser.execute_script(style, seed.find_element(By.CSS_SELECTOR, "h2.title")) == "rtl"
    assert browser.execute_script(style, seed.find_element(By.CSS_SELECTOR, ".snippet")) == "rtl"
    assert browser.execute_script(style, seed.find_element(By.CSS_SELECTOR, ".url bdi")) == "ltr"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ar"
    # the results column sits to the left of the facets in a right-to-left page
    facets = browser.find_element(By.CSS_SELECTOR, "aside.facets").rect
    results = browser.find_element(By.CSS_SELECTOR, "main.results").rect
    assert facets["x"] > results["x"]

    assert browser.execute_script(_SPLIT_WORDS) == []
    # the date in Arabic (Gregorian month name and Hijri) with the machine-readable form
    when = seed.find_element(By.CSS_SELECTOR, "time.date")
    assert "نوفمبر" in when.text and "هـ" in when.text
    assert when.get_attribute("datetime").startswith("2026-11-24")
    # the wire copy of the same story is listed under the seed
    same = seed.find_element(By.CSS_SELECTOR, ".same-story")
    assert web_index.wire_copy.url in [a.get_attribute("href") for a in same.find_elements(By.TAG_NAME, "a")]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "search-page.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_a_facet_click_narrows_the_results(browser, web_url: str) -> None:
    _open(browser, f"{web_url}/?q={quote(SYRIA)}")
    total = _total(browser)
    links = browser.find_elements(By.CSS_SELECTOR, '[data-facet="section"] a.facet-link')
    counts = [int(link.get_attribute("data-count")) for link in links]
    link = next(link for link, n in zip(links, counts, strict=True) if n < total)
    section, expected = link.get_attribute("data-value"), int(link.get_attribute("data-count"))
    _click_and_wait(browser, link)

    assert parse_qs(urlsplit(browser.current_url).query)["section"] == [section]
    assert _total(browser) == expected < total
    shown = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "li.hit .section")}
    assert shown == {section}
    # the active filter shows as a chip; clicking it removes the filter again
    chip = browser.find_element(By.CSS_SELECTOR, ".active-filters a.chip")
    assert section in chip.text
    _click_and_wait(browser, chip)
    assert _total(browser) == total


def test_source_facet_narrows_to_the_other_outlet(browser, web_url: str, web_index: WebIndex) -> None:
    _open(browser, f"{web_url}/?q={quote(SYRIA)}")
    link = browser.find_element(By.CSS_SELECTOR, f'[data-facet="source"] a[data-value="{WIRE_SOURCE}"]')
    _click_and_wait(browser, link)
    assert _ids(browser) == [web_index.wire_copy.article_id]


def test_the_permalink_reproduces_the_same_results(browser, web_url: str) -> None:
    _open(browser, f"{web_url}/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(SYRIA)
    old = browser.current_url
    box.send_keys(Keys.ENTER)  # a GET form: the query string is the whole state
    WebDriverWait(browser, 30).until(ec.url_changes(old))
    Select(browser.find_element(By.ID, "sort")).select_by_value("date")  # re-submits (search.js)
    WebDriverWait(browser, 30).until(lambda d: "sort=date" in d.current_url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    ids = _ids(browser)
    assert len(ids) > 2
    permalink = browser.find_element(By.ID, "permalink").get_attribute("href")
    assert parse_qs(urlsplit(permalink).query) == {"q": [SYRIA], "sort": ["date"]}

    _open(browser, f"{web_url}/?q=%D8%BA%D8%B2%D8%A9")  # somewhere else first
    assert _ids(browser) != ids
    _open(browser, permalink)
    assert _ids(browser) == ids
    assert browser.find_element(By.ID, "q").get_attribute("value") == SYRIA
    assert Select(browser.find_element(By.ID, "sort")).first_selected_option.get_attribute("value") == "date"


def test_pagination_links_move_through_the_results(browser, web_url: str) -> None:
    _open(browser, f"{web_url}/?size=5&sort=date")
    first = _ids(browser)
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, 'nav.pages a[rel="next"]'))
    second = _ids(browser)
    assert len(first) == 5 and second and not set(first) & set(second)
    assert parse_qs(urlsplit(browser.current_url).query)["page"] == ["2"]


def test_an_empty_search_suggests_a_spelling_that_finds_results(browser, web_url: str) -> None:
    _open(browser, f"{web_url}/?q=Dimashq")
    assert _total(browser) == 0
    suggestion = browser.find_element(By.CSS_SELECTOR, "#suggestion a")
    assert suggestion.text == "دمشق"
    _click_and_wait(browser, suggestion)
    assert _total(browser) > 0


def test_the_page_loads_nothing_from_elsewhere(browser, web_url: str) -> None:
    _open(browser, f"{web_url}/?q={quote(SYRIA)}")
    urls = browser.execute_script(
        "return [...document.querySelectorAll('link[href], script[src], img[src]')].map(e => e.href || e.src)"
    )
    assert urls and all(u.startswith(web_url + "/") for u in urls)
    sheets = browser.execute_script("return document.styleSheets.length")
    assert sheets >= 1  # the local stylesheet loaded under the page's CSP


def test_a_missing_browser_fails_the_tests_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(web_helpers, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match="chromium-driver"):
        web_helpers.chromium_driver()
