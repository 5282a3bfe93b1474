"""A package index on 127.0.0.1 for the download tests: static files under ROOT, with
PEP 691 JSON for project pages when the client asks for it and the page has an index.json
(PEP 503 index.html otherwise), HTTP Range for resumed downloads, a request log, and one
fault on demand: a file FOO with a FOO.cut beside it is sent only halfway, once.

Usage: python3 index_server.py ROOT [CERT KEY]   (prints the port, then serves until killed;
with CERT and KEY, over TLS)
"""
import http.server
import os
import ssl
import sys

ROOT = os.path.abspath(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write("%s %s\n" % (self.command, self.path))

    def send(self, status, body, ctype, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = os.path.normpath(os.path.join(ROOT, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(ROOT):
            return self.send(403, b"no", "text/plain")
        if os.path.isdir(path):
            accept = self.headers.get("Accept", "")
            json_page = os.path.join(path, "index.json")
            html_page = os.path.join(path, "index.html")
            if "application/vnd.pypi.simple.v1+json" in accept and os.path.exists(json_page):
                with open(json_page, "rb") as f:
                    return self.send(200, f.read(), "application/vnd.pypi.simple.v1+json")
            if os.path.exists(html_page):
                with open(html_page, "rb") as f:
                    ctype = "text/html"
                    if os.path.exists(os.path.join(path, "content-type")):
                        ctype = open(os.path.join(path, "content-type")).read().strip()
                    return self.send(200, f.read(), ctype)
            return self.send(404, b"not found", "text/plain")
        if not os.path.isfile(path):
            return self.send(404, b"not found", "text/plain")
        with open(path, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            part = data[start:]
            return self.send(206, part, "application/octet-stream",
                             [("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
        if os.path.exists(path + ".cut"):
            os.remove(path + ".cut")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, data, "application/octet-stream")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) == 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
