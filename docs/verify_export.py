#!/usr/bin/env python3
"""Verify a `raia replay export` file with no access to RAIA: python3 verify_export.py FILE"""
import hashlib, json, struct, sys

lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
header, prev, expected = lines[0], lines[0]["prev_hash"], lines[0]["first_position"]
for e in lines[1:]:
    if e["position"] != expected: sys.exit(f"FAIL: missing or reordered event at position {expected}")
    if e["prev_hash"] != prev: sys.exit(f"FAIL: broken link at position {e['position']}")
    if e["kind"] == "event":
        h = hashlib.sha256(bytes.fromhex(prev))
        for f in ("position", "event_id", "stream_type", "stream_id", "stream_version",
                  "event_type", "schema_version", "recorded_at", "payload", "metadata"):
            b = str(e[f]).encode("utf-8")
            h.update(struct.pack(">Q", len(b)) + b)
        if h.hexdigest() != e["hash"]: sys.exit(f"FAIL: altered event at position {e['position']}")
    prev, expected = e["hash"], expected + 1
print(f"ok: {len(lines) - 1} positions verified, {sum(e['kind'] == 'event' for e in lines[1:])} shown, head {prev}")
