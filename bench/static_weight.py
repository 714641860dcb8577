#!/usr/bin/env python3
"""The page's weight on the wire: the page and every file it loads (index.html's
/static/ links, then each module's imports, followed), as sent uncompressed and with
each encoding the server offers. Through the test client: no network.

Run from the repo root:  .venv/bin/python bench/static_weight.py
"""

from __future__ import annotations

import re
import tempfile

from statelab import create_app

LINK = re.compile(r'(?:src|href)="(/static/[^"]+)"')
IMPORT = re.compile(r"""(?:from\s+|import\s*\(\s*|import\s+)['"]\./([^'"]+)['"]""")
ENCODINGS = ("identity", "gzip", "br", "zstd")


def page_files(client) -> list[str]:
    """/ and every static file it loads, in load order."""
    html = client.get("/", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    paths, queue = ["/"], LINK.findall(html)
    while queue:
        path = queue.pop(0)
        if path in paths:
            continue
        paths.append(path)
        if path.endswith(".js"):
            text = client.get(path, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
            queue += [f"/static/{name}" for name in IMPORT.findall(text)]
    return paths


def main() -> None:
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="statelab-weight-"),
                      "SECRET_KEY": "statelab-bench-fixed-secret-key"})
    client = app.test_client()
    paths = page_files(client)
    totals = dict.fromkeys(ENCODINGS, 0)
    for path in paths:
        for encoding in ENCODINGS:
            answer = client.get(path, headers={"Accept-Encoding": encoding})
            assert answer.status_code == 200, (path, answer.status_code)
            sent = answer.headers.get("Content-Encoding", "identity")
            assert sent == encoding or answer.content_length < 500, (path, sent)
            totals[encoding] += len(answer.data)
    print(f"{len(paths)} files (the page and what it loads):")
    for encoding, size in totals.items():
        print(f"  {encoding:>8}: {size:>7} bytes ({size / totals['identity']:.0%})")


if __name__ == "__main__":
    main()
