"""An HTTPS server for MTA-STS policies: python3 mta-sts-web.py WEB_ROOT CERT KEY.

Serves WEB_ROOT/<Host header's name>/..., the layout `postdove dns --mta-sts-dir`
writes, on port 443 with the given certificate. The internet scenario's policy
host (prepare.yml) and the mail server (the publishing test) both run it.
"""

import http.server
import ssl
import sys

web_root, cert, key = sys.argv[1:4]


class ByHost(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        host = self.headers.get("Host", "").split(":")[0]
        return super().translate_path("/" + host + path)


server = http.server.HTTPServer(("0.0.0.0", 443), lambda *args: ByHost(*args, directory=web_root))
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
