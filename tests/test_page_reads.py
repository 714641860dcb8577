"""The page's own reads are one list: the server tags them (``page_read`` on the request
event) and the page hides them by default; both must name the same paths."""

from __future__ import annotations

import re
from pathlib import Path

from statelab.labstack import PAGE_READS

API_JS = Path(__file__).resolve().parents[1] / "frontend" / "api.js"


def _page_reads_in_api_js() -> set[str]:
    source = API_JS.read_text()
    constants = dict(re.findall(r"export const (\w+) = '([^']*)';", source))
    listed = re.search(r"export const PAGE_READS = new Set\(\[([^\]]*)\]\);", source).group(1)
    names = [item.strip() for item in listed.split(",") if item.strip()]
    return {name.strip("'") if name.startswith("'") else constants[name] for name in names}


def test_the_server_and_the_page_name_the_same_page_reads():
    assert _page_reads_in_api_js() == set(PAGE_READS)


def test_the_pages_settings_read_is_tagged_a_page_read(lab_client):
    lab_client.get("/api/lab/settings")
    assert lab_client.last_trace("/api/lab/settings")["request"].get("page_read") is True
