#!/usr/bin/env python3
"""Write a WARC file in Common Crawl CC-NEWS's record layout around the real pages of
/work/shared/data's extraction sets: a warcinfo record, then per page a request and a
response record (HTTP/1.1 200, the page's bytes as archived), one gzip member per record.

    make_warc.py OUT.warc.gz [--copies N]

--copies N writes every page N times, each copy its own record (own WARC-Record-ID and
date), for reading speed; N=1 gives one record per distinct page, for end to end runs.
The pages are third-party content for evaluation only: the output stays out of the repo.
"""
import gzip, json, os, sys, uuid, hashlib, base64

DATA = os.environ.get("NEWSDEX_SHARED", "/work/shared/data")

def pages():
    for ds, gold in [("scrapinghub", "ground-truth.jsonl"), ("trafilatura", "evaldata.jsonl"),
                     ("goose3", None), ("newspaper4k", None)]:
        d = os.path.join(DATA, "extraction-" + ds)
        if gold and os.path.exists(os.path.join(d, gold)):
            for line in open(os.path.join(d, gold), encoding="utf-8"):
                v = json.loads(line)
                p = os.path.join(d, v["html_file"])
                if os.path.exists(p):
                    url = v.get("url") or ""
                    yield (url if url.count("/") >= 2 else f"https://{ds}.example/{v['id']}"), p
        elif not gold:
            for root, _, files in os.walk(d):
                for f in sorted(files):
                    if ".htm" in f:
                        yield f"https://{ds}.example/{f}", os.path.join(root, f)
    r = os.path.join(DATA, "extraction-readability")
    for line in open(os.path.join(r, "expected.jsonl"), encoding="utf-8"):
        v = json.loads(line)
        yield f"https://readability.example/{v['id']}", os.path.join(r, "pages", v["id"], "source.html.gz")

def body(path):
    raw = open(path, "rb").read()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

def record(kind, uri, n, ctype, block, digest=False):
    h = [f"WARC/1.0", f"WARC-Type: {kind}"]
    if uri:
        h.append(f"WARC-Target-URI: {uri}")
    h.append(f"WARC-Date: 2024-03-01T{(n // 3600) % 24:02}:{(n // 60) % 60:02}:{n % 60:02}Z")
    h.append(f"WARC-Record-ID: <urn:uuid:{uuid.UUID(int=n + (1 << 64))}>")
    h.append(f"Content-Type: {ctype}")
    if digest:
        payload = block.split(b"\r\n\r\n", 1)[1]
        h.append("WARC-Payload-Digest: sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode())
    h.append(f"Content-Length: {len(block)}")
    return ("\r\n".join(h) + "\r\n\r\n").encode() + block + b"\r\n\r\n"

def main():
    out = sys.argv[1]
    copies = int(sys.argv[sys.argv.index("--copies") + 1]) if "--copies" in sys.argv else 1
    ps = [(u.replace(" ", "%20"), body(p)) for u, p in pages()]
    n = 0
    with open(out, "wb") as f:
        f.write(gzip.compress(record("warcinfo", None, n, "application/warc-fields",
                                     b"software: newsdex bench/warc/make_warc.py\r\nformat: WARC File Format 1.0\r\n"), 6))
        for c in range(copies):
            for url, html in ps:
                host = url.split("/")[2]
                n += 1
                req = f"GET /{url.split('/', 3)[-1]} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: CCBot/2.0\r\n\r\n".encode()
                f.write(gzip.compress(record("request", url, n, "application/http; msgtype=request", req), 6))
                n += 1
                resp = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(html)}\r\n\r\n".encode() + html
                f.write(gzip.compress(record("response", url, n, "application/http; msgtype=response", resp, True), 6))
    print(json.dumps({"file": out, "pages": len(ps), "copies": copies, "records": n + 1, "bytes": os.path.getsize(out)}))

main()
