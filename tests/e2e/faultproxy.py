"""A fault-injecting HTTP proxy for the remote-backend tests.

FaultProxy(upstream_url) listens on a free loopback port and forwards each POST to the
upstream DynamoDB-compatible endpoint, unless the next scripted fault says otherwise:

  "ok"         forward and relay the answer
  "500"        answer 500 InternalServerError without forwarding
  "throttle"   answer 400 ProvisionedThroughputExceededException without forwarding
  "throttling" answer 400 ThrottlingException (the request framework's) without forwarding
  "503"        answer 503 ServiceUnavailable without forwarding
  "txthrottle" answer 400 TransactionCanceledException whose first CancellationReason is
               ThrottlingError (the rest None), without forwarding: a transaction refused
               for throughput (DynamoDB cancels it with the throttled action's reason)
  "foreign"    answer 400 with an error type no DynamoDB client knows (com.example#Foreign...)
  "notype"     answer 400 with a JSON error body that names no type at all
  "unknownop"  answer 400 UnknownOperationException (an endpoint without the operation)
  "drop"       close the connection without forwarding or answering
  "lost"       forward to the upstream (it applies the request), then close without
               answering: the client sees a failure although the write happened
  "slow:<s>"   sleep <s> seconds, then forward
  "deny"       answer 400 AccessDeniedException (an IAM policy without the action)
  "expired"    answer 400 ExpiredTokenException (temporary credentials past their expiry)
  "html503"    answer 503 with an HTML page, no DynamoDB JSON (a load balancer's or a
               proxy's own answer) without forwarding
  "html429"    answer 429 with an HTML page (an HTTP intermediary's rate limit)
  "empty"      a GetRecords answered 200 with no records and the request's own iterator as
               NextShardIterator, without forwarding: the empty page the Streams API may
               answer before a shard's records ("it might take multiple calls to get to a
               portion of the shard that contains stream records", GetRecords)
  "hang"       read the request and never answer (until close(): then the connection is
               closed unanswered) -- an endpoint that accepts and then hangs

A fault may carry response headers after it, each ";<name>=<value>" (the value up to the next
";"): "500;x-amz-retry-after=700" is the 500 with the SDKs' retry hint (milliseconds),
"notype;x-amzn-ErrorType=ThrottlingException" a typeless body whose type is in the header.
They apply to forwarded answers too ("ok;x-amz-retry-after=5": a success with a hint).

Faults can be scripted for every operation (`script`) or for one operation only
(`script_for[op]`).  `log` records (operation, fault) for every request received,
`forwarded` the same once the upstream has answered a forwarded one (so a test can wait for a
"slow:<s>" request to have reached the upstream instead of sleeping <s>).  `times` keeps
(operation, fault, arrival time) so a test can measure the backoff between attempts.  `bodies` keeps
(operation, fault, request body) for every request received and `answers` (operation, fault,
upstream status, upstream body) for every forwarded one, so a test can check what a retry
resent (its ClientRequestToken) and what the upstream made of it.
`passthrough(op, body) -> bool` (optional) marks requests that are forwarded without
consuming a scripted fault, logged as "pass" (by default: the empty-TransactItems probes that
msg_backend_remote_check sends before a write, so scripts hit the real transactions).
Bounded: it only ever talks to loopback and stops with close().
"""
import http.server
import json
import socketserver
import threading
import time
import urllib.request
import zlib


def is_probe(op, body):
    """The requests msg_backend_remote_check sends: validation-only, change nothing."""
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return (op in ("TransactWriteItems", "TransactGetItems") and doc.get("TransactItems") == []) \
        or (op in ("Query", "GetItem") and doc == {})


class FaultProxy:
    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/") + "/"
        self.script = []          # faults for any operation, consumed in order
        self.script_for = {}      # op -> list of faults, consumed in order
        self.log = []
        self.times = []           # (operation, fault, time.monotonic() on arrival)
        self.forwarded = []
        self.bodies = []
        self.answers = []
        self.passthrough = is_probe
        self.lock = threading.Lock()
        self.closed = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                target = self.headers.get("X-Amz-Target", "")
                op = target.split(".")[-1]
                if proxy.passthrough and proxy.passthrough(op, body):
                    fault = "pass"
                else:
                    fault = proxy._next(op)
                with proxy.lock:
                    proxy.log.append((op, fault))
                    proxy.times.append((op, fault, time.monotonic()))
                    proxy.bodies.append((op, fault, body))
                fault, *mods = fault.split(";")
                self.extra = [m.split("=", 1) for m in mods if "=" in m]
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "500":
                    return self._answer(500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                                              "message": "injected"})
                if fault == "throttle":
                    return self._answer(400, {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                                              "message": "injected throttle"})
                if fault == "throttling":
                    return self._answer(400, {"__type": "com.amazon.coral.availability#ThrottlingException",
                                              "message": "injected request throttle"})
                if fault == "txthrottle":
                    n = max(1, len(json.loads(body or b"{}").get("TransactItems") or []))
                    reasons = [{"Code": "ThrottlingError", "Message": "injected throttle"}] + \
                        [{"Code": "None"}] * (n - 1)
                    return self._answer(400, {
                        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                        "message": "Transaction cancelled, please refer cancellation reasons for "
                                   "specific reasons [" + ", ".join(r["Code"] for r in reasons) + "]",
                        "CancellationReasons": reasons})
                if fault == "503":
                    return self._answer(503, {"__type": "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
                                              "message": "injected unavailable"})
                if fault == "foreign":
                    return self._answer(400, {"__type": "com.example.gateway#ForeignQuotaException",
                                              "message": "injected foreign refusal"})
                if fault == "notype":
                    return self._answer(400, {"message": "injected refusal without a type"})
                if fault == "unknownop":
                    return self._answer(400, {"__type": "com.amazon.coral.service#UnknownOperationException",
                                              "message": "injected: unknown operation " + op})
                if fault == "deny":
                    return self._answer(400, {"__type": "com.amazon.coral.service#AccessDeniedException",
                                              "message": "injected: not authorized to perform " + op})
                if fault == "expired":
                    return self._answer(400, {"__type": "com.amazon.coral.service#ExpiredTokenException",
                                              "message": "The security token included in the request is expired"})
                if fault in ("html503", "html429"):
                    return self._raw(int(fault[4:]), b"<html><body>injected: " +
                                     fault.encode() + b"</body></html>")
                if fault == "empty":
                    it = json.loads(body or b"{}").get("ShardIterator")
                    return self._answer(200, {"Records": [], "NextShardIterator": it})
                if fault == "hang":
                    proxy.closed.wait()
                    self.close_connection = True
                    return
                if fault.startswith("slow:"):
                    time.sleep(float(fault.split(":", 1)[1]))
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
                req = urllib.request.Request(proxy.upstream, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as err:
                    status, data = err.code, err.read()
                with proxy.lock:
                    proxy.answers.append((op, fault, status, data))
                    proxy.forwarded.append((op, fault))
                if fault == "lost":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._raw(status, data)

            def _answer(self, status, doc):
                self._raw(status, json.dumps(doc).encode())

            def _raw(self, status, data):
                self.send_response(status)
                for name, value in getattr(self, "extra", []):
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amz-crc32", str(zlib.crc32(data) & 0xffffffff))
                self.end_headers()
                self.wfile.write(data)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        # serve_forever looks for shutdown() every poll_interval (0.5 s by default: the
        # proxy fixture's teardown took that long, 20 times in test_remote_backend)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={
            "poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def _next(self, op):
        with self.lock:
            lst = self.script_for.get(op)
            if lst:
                return lst.pop(0)
            if self.script:
                return self.script.pop(0)
            return "ok"

    def ops(self, op):
        """The faults applied to requests of operation op, in order ("pass" ones left out)."""
        with self.lock:
            return [f for o, f in self.log if o == op and f != "pass"]

    def close(self):
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()
