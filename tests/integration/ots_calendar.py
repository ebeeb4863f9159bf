"""A loopback OpenTimestamps calendar built with the reference library (python3-opentimestamps),
shaped like the real server (otsserver calendar.py / rpc.py):
  POST /digest          -> digest, prepend <4-byte big-endian time>, append <8-byte mac>,
                           PendingAttestation(<this calendar's URL>)
  GET /timestamp/<hex>  -> 404 "Pending confirmation in Bitcoin blockchain" until confirm(height),
                           then a Bitcoin-shaped path (tx bytes around the commitment, sha256d,
                           one merkle level, sha256d) ending in BitcoinBlockHeaderAttestation.
Run with /usr/bin/python3. Also usable on its own: python3 ots_calendar.py PORT (never confirms)."""
import hashlib
import http.server
import os
import struct
import sys
import threading
import time

from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
from opentimestamps.core.op import OpAppend, OpPrepend, OpSHA256
from opentimestamps.core.serialize import BytesSerializationContext
from opentimestamps.core.timestamp import Timestamp


def serialize(stamp):
    ctx = BytesSerializationContext()
    stamp.serialize(ctx)
    return ctx.getbytes()


class Calendar:
    def __init__(self):
        self.key = os.urandom(32)
        self.commitments = set()
        self.height = None
        self.posts = []  # (headers dict, body) of every POST /digest
        self.gets = []   # targets of every GET
        self.lock = threading.Lock()
        calendar = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, ctype="application/octet-stream"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                digest = self.rfile.read(length)
                with calendar.lock:
                    calendar.posts.append((dict(self.headers), digest))
                if self.path != "/digest":
                    return self.reply(404, b"Not found", "text/plain")
                if not 0 < len(digest) <= 64:
                    return self.reply(400, b"digest too long", "text/plain")
                stamp = Timestamp(digest)
                node = stamp.ops.add(OpPrepend(struct.pack(">I", int(time.time()))))
                mac = hashlib.sha256(calendar.key + node.msg).digest()[:8]
                node = node.ops.add(OpAppend(mac))
                node.attestations.add(PendingAttestation(calendar.url))
                with calendar.lock:
                    calendar.commitments.add(node.msg)
                self.reply(200, serialize(stamp))

            def do_GET(self):
                with calendar.lock:
                    calendar.gets.append(self.path)
                    height = calendar.height
                    known = set(calendar.commitments)
                prefix = "/timestamp/"
                if not self.path.startswith(prefix):
                    return self.reply(404, b"Not found", "text/plain")
                try:
                    commitment = bytes.fromhex(self.path[len(prefix):])
                except ValueError:
                    return self.reply(400, b"commitment must be hex-encoded bytes", "text/plain")
                if commitment not in known:
                    return self.reply(404, b"Not found", "text/plain")
                if height is None:
                    return self.reply(404, b"Pending confirmation in Bitcoin blockchain", "text/plain")
                stamp = Timestamp(commitment)
                node = stamp.ops.add(OpPrepend(bytes.fromhex("0100000001" + "ab" * 36 + "6a20")))
                node = node.ops.add(OpAppend(bytes(4))).ops.add(OpSHA256()).ops.add(OpSHA256())
                node = node.ops.add(OpPrepend(hashlib.sha256(b"sibling").digest()))
                node = node.ops.add(OpSHA256()).ops.add(OpSHA256())
                node.attestations.add(BitcoinBlockHeaderAttestation(height))
                self.reply(200, serialize(stamp))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def confirm(self, height):
        with self.lock:
            self.height = height

    def close(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    cal = Calendar()
    print(cal.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        cal.close()
