#!/usr/bin/env python3
"""Requests sent right after each edit, as editors send them (hovers, code
actions, semantic tokens...): how long a hover takes then, and the edit's
diagnostics meanwhile. lsp_probe.py waits for the diagnostics before its
requests; this does not.

  python3 tests/bench/lsp_request_after_edit.py --shared ../shared \\
      --server "target/release/cadrage lsp" --file plan.cadrage --edits 30

Standard library and the shared probe's client (SHARED/tools/lsp_probe.py).
Edits as the probe's toggle-char mode; hover at line 4, column 10.
"""
import argparse
import shlex
import statistics
import sys
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="../shared", help="the shared measurement tools' folder")
    ap.add_argument("--server", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--edits", type=int, default=30)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.shared) / "tools"))
    import lsp_probe as probe

    path = Path(args.file).resolve()
    text, uri = path.read_text(encoding="utf-8"), path.as_uri()
    folders = [{"uri": path.parent.as_uri(), "name": path.parent.name}]
    cmd = shlex.split(args.server)
    if Path(cmd[0]).exists():   # the server runs in the file's folder
        cmd[0] = str(Path(cmd[0]).resolve())
    client = probe.LspClient(cmd, path.parent, folders, None, None)
    is_diag = lambda version: lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                                         and (m.get("params") or {}).get("version") == version)
    try:
        rid, _ = client.request("initialize", {"processId": None, "rootUri": path.parent.as_uri(),
                                               "workspaceFolders": folders, "capabilities": probe.CLIENT_CAPS})
        client.wait_response(rid, "the initialize response", 30)
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "cadrage", "version": 1, "text": text}})
        client.wait_for(is_diag(1), "the diagnostics after didOpen", 30)
        editor = probe.Editor(text, "toggle-char", "")
        hovers, publishes = [], []
        for k in range(1, args.edits + 1):
            _, change = editor.edit(k)
            t_change = client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": k + 1}, "contentChanges": [change]})
            rid, t_hover = client.request("textDocument/hover", {
                "textDocument": {"uri": uri}, "position": {"line": 4, "character": 10}})
            got = {}
            while len(got) < 2:     # the answer and the diagnostics, in either order
                t, m = client.wait_for(lambda m: (m.get("id") == rid and "method" not in m)
                                       or is_diag(k + 1)(m), f"the hover or diagnostics of edit {k}", 30)
                got["hover" if m.get("id") == rid else "diagnostics"] = t
            hovers.append((got["hover"] - t_hover) * 1000)
            publishes.append((got["diagnostics"] - t_change) * 1000)
            time.sleep(0.2)
        stats = lambda ms: f"p50 {statistics.median(ms):.1f}  p95 {probe.stats(ms)['p95']:.1f} ms"
        print(f"hover right after an edit      {stats(hovers)}")
        print(f"change -> diagnostics meanwhile  {stats(publishes)}")
    finally:
        client.close()


if __name__ == "__main__":
    main()
