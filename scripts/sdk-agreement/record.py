"""Send IMM-through-OSS requests with Alibaba Cloud's official Python SDK and record them.

Reads a JSON list of cases on stdin and writes a JSON list of records on stdout. The SDK talks
to its real endpoint name (`<bucket>.oss-<region>.aliyuncs.com`, plain HTTP) through a proxy on
127.0.0.1 that records each request (method, absolute URL, headers, body) and answers with the
case's canned response; nothing leaves the machine. The processing string is written the way
Alibaba Cloud documents it (OSS "sys/saveas", "message notification"): URL-safe Base64 without
padding, `o_` before `b_` for x-oss-process, `b_` before `o_` then `/notify` for
x-oss-async-process.

A case also asks the SDK's own V4 signer to sign a request given as method, URL, headers and a
signing time, so that a signature made elsewhere can be compared with the official one.
"""

import base64
import datetime
import http.server
import importlib.metadata
import json
import sys
import threading

PINNED = "1.4.1"

try:
    import alibabacloud_oss_v2 as oss
    from alibabacloud_oss_v2.signer.v4 import SignerV4
    from alibabacloud_oss_v2.types import HttpRequest, SigningContext
    from alibabacloud_oss_v2.credentials import StaticCredentialsProvider
except ImportError as error:
    sys.exit(
        f"the official OSS SDK is not installed ({error}); "
        "run `python3 -m pip install -r scripts/sdk-agreement/requirements.txt`"
    )

INSTALLED = importlib.metadata.version("alibabacloud-oss-v2")
if INSTALLED != PINNED:
    sys.exit(
        f"alibabacloud-oss-v2 {INSTALLED} is installed but the agreement is pinned to {PINNED}; "
        "run `python3 -m pip install -r scripts/sdk-agreement/requirements.txt`"
    )

AK, SK = "LTAI5tAgreementTest", "agreement-test-secret"


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def compose(case):
    process = case["op"] + "".join(f",{name}_{value}" for name, value in case["params"])
    save = case.get("save_as")
    if case["kind"] == "process":
        process += f"|sys/saveas,o_{b64(save['key'])},b_{b64(save['bucket'])}"
    elif case["kind"] == "async":
        if save:
            process += f"|sys/saveas,b_{b64(save['bucket'])},o_{b64(save['key'])}"
            if case.get("notify"):
                process += f"/notify,topic_{b64(case['notify'])}"
        elif case.get("notify"):
            process += f"|sys/notify,topic_{b64(case['notify'])}"
    return process


class Recorder(http.server.BaseHTTPRequestHandler):
    recorded = []
    response = (200, "application/json", b"{}")

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.recorded.append(
            {
                "method": self.command,
                "url": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8"),
            }
        )
        status, content_type, payload = Recorder.response
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-oss-request-id", "5C3D9175B6FC201293AD4890")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle

    def log_message(self, *args):
        pass


def client(port, region):
    cfg = oss.config.load_default()
    cfg.credentials_provider = StaticCredentialsProvider(AK, SK)
    cfg.region = region
    cfg.disable_ssl = True
    # A dict: the SDK hands it to `requests` as is (its string form is keyed `http://`, which
    # `requests` does not match).
    cfg.proxy_host = {"http": f"http://127.0.0.1:{port}"}
    cfg.retry_max_attempts = 1
    return oss.Client(cfg)


def run(case, port):
    status, content_type, body = case["response"]["status"], case["response"]["content_type"], case["response"]["body"]
    Recorder.response = (status, content_type, body.encode())
    Recorder.recorded.clear()
    c = client(port, case["region"])
    process = compose(case)
    outcome = {}
    try:
        if case["kind"] == "get":
            result = c.get_object(oss.GetObjectRequest(bucket=case["bucket"], key=case["key"], process=process))
            outcome = {"body": result.body.read().decode()}
        elif case["kind"] == "process":
            result = c.process_object(oss.ProcessObjectRequest(bucket=case["bucket"], key=case["key"], process=process))
            outcome = {"bucket": result.bucket, "file_size": result.file_size, "key": result.key, "status": result.process_status}
        else:
            result = c.async_process_object(
                oss.AsyncProcessObjectRequest(bucket=case["bucket"], key=case["key"], process=process)
            )
            outcome = {"event_id": result.event_id, "task_id": result.task_id, "request_id": result.process_request_id}
    except oss.exceptions.OperationError as error:
        service = error.unwrap()
        if not isinstance(service, oss.exceptions.ServiceError):
            raise
        outcome = {
            "error": {
                "status": service.status_code,
                "code": service.code,
                "message": service.message,
                "request_id": service.request_id,
                "ec": service.ec,
            }
        }
    if len(Recorder.recorded) != 1:
        sys.exit(f"case `{case['name']}`: the SDK sent {len(Recorder.recorded)} requests, expected 1")
    return {"name": case["name"], "process": process, "request": Recorder.recorded[0], "outcome": outcome}


def sign(case):
    """Signs a request made elsewhere with the SDK's V4 signer at the same time."""
    request = HttpRequest(method=case["method"], url=case["url"])
    for name, value in case["headers"].items():
        request.headers[name] = value
    when = datetime.datetime.strptime(case["headers"]["x-oss-date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc
    )
    context = SigningContext(
        product="oss",
        region=case["region"],
        bucket=case["bucket"],
        key=case["key"],
        request=request,
        credentials=StaticCredentialsProvider(case["access_key_id"], case["access_key_secret"]).get_credentials(),
        signing_time=when,
    )
    SignerV4().sign(context)
    return {"name": case["name"], "authorization": request.headers["Authorization"]}


def main():
    cases = json.load(sys.stdin)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        records = [sign(case) if case.get("kind") == "sign" else run(case, server.server_address[1]) for case in cases]
    finally:
        server.shutdown()
    json.dump({"sdk_version": INSTALLED, "records": records}, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
