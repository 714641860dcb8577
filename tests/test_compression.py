"""The page and its static files over real HTTP: compressed, revalidated with 304s,
page headers unchanged; the API and the event stream left uncompressed."""

from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlsplit

import brotli
import pytest

from statelab import PAGE_HEADERS


def fetch(base: str, path: str, **headers: str) -> tuple[int, dict, bytes]:
    """Raw bytes as sent (no client-side decoding)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_static_module_is_compressed_and_decodes_to_the_file(app, live_server, encoding):
    plain = (app.config["STATELAB_FRONTEND"] + "/main.js")
    with open(plain, "rb") as f:
        original = f.read()
    status, headers, body = fetch(live_server, "/static/main.js", **{"Accept-Encoding": encoding})
    assert status == 200 and headers["content-encoding"] == encoding
    assert int(headers["content-length"]) == len(body) < len(original) / 2
    assert DECODE[encoding](body) == original
    assert "Accept-Encoding" in headers["vary"]
    assert headers["cache-control"] == "no-cache"


def test_without_accept_encoding_the_file_is_sent_as_is(app, live_server):
    status, headers, body = fetch(live_server, "/static/main.js")
    assert status == 200 and "content-encoding" not in headers
    with open(app.config["STATELAB_FRONTEND"] + "/main.js", "rb") as f:
        assert body == f.read()


@pytest.mark.parametrize("encoding", ["gzip", "br", "identity"])
def test_a_cached_copy_is_revalidated_with_a_304(live_server, encoding):
    _, first, _ = fetch(live_server, "/static/main.js", **{"Accept-Encoding": encoding})
    assert first["etag"] and first["last-modified"]
    status, headers, body = fetch(live_server, "/static/main.js", **{
        "Accept-Encoding": encoding, "If-None-Match": first["etag"]})
    assert status == 304 and body == b""
    assert headers["etag"] == first["etag"]


def test_each_encoding_has_its_own_etag(live_server):
    """A cached gzip copy must not be confirmed for a client that asks for br."""
    _, gz, _ = fetch(live_server, "/static/main.js", **{"Accept-Encoding": "gzip"})
    status, br, _ = fetch(live_server, "/static/main.js", **{
        "Accept-Encoding": "br", "If-None-Match": gz["etag"]})
    assert status == 200 and br["etag"] != gz["etag"]


def test_the_page_is_compressed_with_its_headers_unchanged(live_server):
    status, headers, body = fetch(live_server, "/", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert b"<html" in gzip.decompress(body).lower()
    for name, value in PAGE_HEADERS.items():
        assert headers[name.lower()] == value


def test_a_range_request_still_gets_its_range(live_server):
    status, headers, body = fetch(live_server, "/static/main.js", **{
        "Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert status == 206 and len(body) == 10 and "content-encoding" not in headers


def test_the_api_is_not_compressed(live_lab):
    """The hook log records response bodies as sent: JSON stays readable."""
    status, headers, _ = fetch(live_lab.base, "/api/state", **{
        "Accept-Encoding": "gzip, br", "X-Lab-Id": live_lab.lab})
    assert status == 200 and "content-encoding" not in headers


def test_a_browser_offering_every_encoding_gets_brotli(live_server):
    """Chromium sends ``gzip, deflate, br, zstd``: br is the smallest for the page."""
    _, headers, _ = fetch(live_server, "/static/main.js",
                          **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert headers["content-encoding"] == "br"
