"""A package index on 127.0.0.1 for the download and index-client tests: static files under
ROOT, with PEP 691 JSON for project pages when the client asks for it and the page has an
index.json (PEP 503 index.html otherwise).

- HTTP Range (`bytes=A-`, `bytes=A-B`, `bytes=-N`) on files, unless ROOT/no-ranges exists
  (then every answer is the whole file, as from a server without range support).
- Pages carry an ETag and Last-Modified and answer 304 to If-None-Match / If-Modified-Since;
  ROOT/cache-control, when present, holds their Cache-Control header (a missing project's
  404 carries it too).
- Logs: ROOT/requests.log gets `GET PATH` (with ` range=SPEC` for a range request) per
  request; ROOT/transfers.log gets `STATUS BODY-BYTES METHOD PATH` per answer. HEAD is
  answered (with Accept-Ranges), as uv asks it before range requests.
- Faults on demand: a file FOO with a FOO.cut beside it is sent only halfway, once; with a
  FOO.slow beside it, it is sent in 16 KiB pieces 50 ms apart. A project page directory
  holding a file `status` is answered with that HTTP status (its text the body); one
  holding `delay` is answered after that many seconds.
- Keep-alive (HTTP/1.1, one connection for many requests) when ROOT/keep-alive exists, as
  a production index answers; else HTTP/1.0, one request per connection.

Usage: python3 index_server.py ROOT [CERT KEY]   (prints the port, then serves until killed;
with CERT and KEY, over TLS)
"""
import email.utils
import hashlib
import http.server
import os
import ssl
import sys
import time

ROOT = os.path.abspath(sys.argv[1])


def log(name, line):
    with open(os.path.join(ROOT, name), "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        # Logged first, so a client that has the answer finds it in the log.
        log("transfers.log", "%d %d GET %s" % (status, len(body), self.path))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        line = "GET %s" % self.path
        if self.headers.get("Range"):
            line += " range=%s" % self.headers.get("Range")
        log("requests.log", line)
        path = os.path.normpath(os.path.join(ROOT, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(ROOT):
            return self.send(403, b"no", "text/plain")
        if os.path.isdir(path) or (self.path.startswith("/simple/") and not os.path.isfile(path)):
            return self.page(path)
        if not os.path.isfile(path):
            return self.send(404, b"not found", "text/plain")
        with open(path, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        if rng and not os.path.exists(os.path.join(ROOT, "no-ranges")):
            span = self.span(rng, len(data))
            if span is None:
                return self.send(416, b"", "text/plain",
                                 [("Content-Range", "bytes */%d" % len(data))])
            start, end = span
            return self.send(206, data[start:end + 1], "application/octet-stream",
                             [("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))])
        if os.path.exists(path + ".cut"):
            os.remove(path + ".cut")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            log("transfers.log", "200 %d GET %s" % (len(data) // 2, self.path))
            return
        if os.path.exists(path + ".slow"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            sent = 0
            try:
                for at in range(0, len(data), 16384):
                    self.wfile.write(data[at:at + 16384])
                    self.wfile.flush()
                    sent += len(data[at:at + 16384])
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (interrupted)
            log("transfers.log", "200 %d GET %s" % (sent, self.path))
            return
        self.send(200, data, "application/octet-stream")

    def do_HEAD(self):
        # uv asks first whether a file supports ranges; answered as a static server would.
        log("requests.log", "HEAD %s" % self.path)
        path = os.path.normpath(os.path.join(ROOT, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(ROOT) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            log("transfers.log", "404 0 HEAD %s" % self.path)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(os.path.getsize(path)))
        if not os.path.exists(os.path.join(ROOT, "no-ranges")):
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        log("transfers.log", "200 0 HEAD %s" % self.path)

    @staticmethod
    def span(rng, size):
        """(start, end) inclusive for one `bytes=` range, or None when unsatisfiable."""
        if not rng.startswith("bytes=") or "," in rng:
            return None
        first, _, last = rng[6:].strip().partition("-")
        try:
            if first == "":
                n = int(last)
                if n <= 0 or size == 0:
                    return None
                return max(0, size - n), size - 1
            start = int(first)
            end = int(last) if last else size - 1
        except ValueError:
            return None
        if start >= size or end < start:
            return None
        return start, min(end, size - 1)

    def page(self, path):
        delay = os.path.join(path, "delay")
        if os.path.exists(delay):
            time.sleep(float(open(delay).read().strip() or "0"))
        status = os.path.join(path, "status")
        if os.path.exists(status):
            code = int(open(status).read().strip())
            return self.send(code, b"the index failed", "text/plain")
        accept = self.headers.get("Accept", "")
        json_page = os.path.join(path, "index.json")
        html_page = os.path.join(path, "index.html")
        if "application/vnd.pypi.simple.v1+json" in accept and os.path.exists(json_page):
            chosen, ctype = json_page, "application/vnd.pypi.simple.v1+json"
        elif os.path.exists(html_page):
            chosen, ctype = html_page, "text/html"
            if os.path.exists(os.path.join(path, "content-type")):
                ctype = open(os.path.join(path, "content-type")).read().strip()
        else:
            cc = os.path.join(ROOT, "cache-control")
            extra = [("Cache-Control", open(cc).read().strip())] if os.path.exists(cc) else []
            return self.send(404, b"not found", "text/plain", extra)
        with open(chosen, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        mtime = int(os.path.getmtime(chosen))
        extra = [("ETag", etag), ("Last-Modified", email.utils.formatdate(mtime, usegmt=True)),
                 ("Vary", "Accept")]
        cc = os.path.join(ROOT, "cache-control")
        if os.path.exists(cc):
            extra.append(("Cache-Control", open(cc).read().strip()))
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            try:
                fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= mtime
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            log("transfers.log", "304 0 GET %s" % self.path)
            self.send_response(304)
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            return
        self.send(200, body, ctype, extra)


if os.path.exists(os.path.join(ROOT, "keep-alive")):
    Handler.protocol_version = "HTTP/1.1"
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) == 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
