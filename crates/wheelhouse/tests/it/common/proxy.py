"""A forward HTTP proxy on 127.0.0.1 for the download tests: `CONNECT host:port` tunnels and
absolute-form requests (`GET http://host:port/path`), both sent to 127.0.0.1:port whatever
the host name, so made-up names such as index.wheelhouse.test reach a test server without
DNS. Every request line goes to LOG as it arrives, so a test can tell the proxy was used.
A host name starting with `blocked.` is refused with 403, as a site's proxy refuses a host.

Usage: python3 proxy.py LOG   (prints the port, then serves until killed)
"""
import socket
import socketserver
import sys
import threading

LOG = sys.argv[1]
LOG_LOCK = threading.Lock()


def log(line):
    with LOG_LOCK, open(LOG, "a") as f:
        f.write(line + "\n")


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def split_host_port(authority, default_port):
    host, _, port = authority.rpartition(":")
    if not host or not port.isdigit():
        return authority, default_port
    return host, int(port)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        client = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data:
                return
            head += data
        head, _, rest = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        log(lines[0])
        method, target, version = lines[0].split(" ", 2)
        if method == "CONNECT":
            host, port = split_host_port(target, 443)
            path = None
        elif target.startswith("http://"):
            authority, _, path = target[len("http://"):].partition("/")
            host, port = split_host_port(authority, 80)
            path = "/" + path
        else:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        if host.startswith("blocked."):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        if path is None:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            # One request per connection: the origin-form request, asking the server to close.
            headers = [h for h in lines[1:]
                       if h.split(":", 1)[0].strip().lower()
                       not in ("connection", "proxy-connection", "keep-alive")]
            new_head = "\r\n".join(["%s %s %s" % (method, path, version)] + headers
                                   + ["Connection: close"])
            upstream.sendall(new_head.encode("latin-1") + b"\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        if path is None:
            pipe(client, upstream)
        back.join()
        upstream.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
