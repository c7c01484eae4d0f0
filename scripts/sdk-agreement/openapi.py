"""Send RAM and IMM OpenAPI calls with Alibaba Cloud's official Python SDKs and record them.

Reads a JSON object `{"cases": [...]}` on stdin and writes `{"versions", "port", "records"}` on
stdout. Each case names a service (`ram` or `imm`), an action, the request's fields by their
API names (the SDK's own `from_map` builds the request model from them), the credentials, the
request time and nonce, and the canned response. The SDK client (V3 signature, its default in
alibabacloud-tea-openapi 0.4.x: `call_api` goes to `do_request`) sends the call over plain HTTP
to a server on 127.0.0.1 started here, which records it (method, path, raw query, headers,
body) and answers with the canned response; nothing leaves the machine.

The SDK reads the time and the nonce from `Utils.get_timestamp` and `Utils.get_nonce`
(alibabacloud_tea_openapi/utils.py), called by `Client.do_request`; both are replaced by the
case's values, so that a signature made elsewhere with the same inputs can be compared.
"""

import http.server
import importlib.metadata
import json
import os
import sys
import threading
import urllib.parse

PINNED = {
    "alibabacloud-tea-openapi": "0.4.6",
    "alibabacloud-ram20150501": "1.3.0",
    "alibabacloud-imm20200930": "5.0.3",
}
INSTALL = "pip install -r scripts/sdk-agreement/requirements.txt"

# The SDK falls back to these for its proxy; the calls must reach the local server directly.
for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(variable, None)

try:
    from alibabacloud_imm20200930 import models as imm_models
    from alibabacloud_imm20200930.client import Client as ImmClient
    from alibabacloud_ram20150501 import models as ram_models
    from alibabacloud_ram20150501.client import Client as RamClient
    from alibabacloud_tea_openapi import exceptions as openapi_exceptions
    from alibabacloud_tea_openapi.utils import Utils
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.model import DaraModel
    from darabonba.runtime import RuntimeOptions
except ImportError as error:
    sys.exit(f"the official OpenAPI SDKs are not installed ({error}); run `{INSTALL}`")

INSTALLED = {name: importlib.metadata.version(name) for name in PINNED}
for name, version in PINNED.items():
    if INSTALLED[name] != version:
        sys.exit(f"{name} {INSTALLED[name]} is installed but the agreement is pinned to {version}; run `{INSTALL}`")

SERVICES = {"ram": (RamClient, ram_models), "imm": (ImmClient, imm_models)}


class Recorder(http.server.BaseHTTPRequestHandler):
    recorded = []
    response = {"status": 200, "headers": {}, "body": "{}"}

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        Recorder.recorded.append(
            {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8"),
            }
        )
        payload = Recorder.response["body"].encode("utf-8")
        self.send_response(Recorder.response["status"])
        for name, value in Recorder.response["headers"].items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle

    def log_message(self, *args):
        pass


def pinned_clock(date, nonce):
    """Makes the SDK sign with the case's time and nonce."""
    Utils.get_timestamp = staticmethod(lambda: date)
    Utils.get_nonce = staticmethod(lambda: nonce)


def operation(client, action):
    """The client's `<action>_with_options` method, found without guessing its snake case."""
    wanted = action.lower() + "withoptions"
    for attribute in dir(client):
        if attribute.replace("_", "") == wanted and not attribute.endswith("_async"):
            return getattr(client, attribute)
    sys.exit(f"the SDK has no operation `{action}`")


def without_empty_lists(value):
    """A model's `to_map` writes `[]` for list fields never set; drop those to compare."""
    if isinstance(value, dict):
        return {k: without_empty_lists(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [without_empty_lists(v) for v in value]
    return value


def unset_empty_lists(model):
    """`from_map` sets every list field it was not given to `[]`, which the SDK then sends
    (`Tag=[]`); a model built with keyword arguments, as applications build them, leaves them
    `None`. Undo that, in nested models too."""
    for attribute, value in vars(model).items():
        if value == []:
            setattr(model, attribute, None)
        elif isinstance(value, DaraModel):
            unset_empty_lists(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, DaraModel):
                    unset_empty_lists(item)
    return model


def run(case, port):
    client_class, models = SERVICES[case["service"]]
    credentials = case["credentials"]
    config = Config(
        access_key_id=credentials["access_key_id"],
        access_key_secret=credentials["access_key_secret"],
        security_token=credentials.get("security_token"),
        endpoint=f"127.0.0.1:{port}",
        protocol="http",
        region_id="cn-hangzhou",
    )
    client = client_class(config)
    model = unset_empty_lists(getattr(models, case["action"] + "Request")().from_map(case["request"]))
    # Every field given must survive the model: a misspelt or misplaced one is dropped silently
    # by `from_map`, and the agreement would then hold for a request nobody meant.
    if without_empty_lists(model.to_map()) != without_empty_lists(case["request"]):
        sys.exit(
            f"case `{case['name']}`: the SDK's {case['action']}Request does not keep every field given:\n"
            f"  given: {json.dumps(case['request'], sort_keys=True)}\n"
            f"  kept:  {json.dumps(model.to_map(), sort_keys=True)}"
        )
    pinned_clock(case["date"], case["nonce"])
    Recorder.response = case["response"]
    Recorder.recorded.clear()
    try:
        result = operation(client, case["action"])(model, RuntimeOptions())
        outcome = {"status": result.status_code, "body": result.body.to_map()}
    except openapi_exceptions.AlibabaCloudException as error:
        outcome = {
            "error": {
                "kind": error.name,
                "status": error.status_code,
                "code": error.code,
                "message": (error.data or {}).get("Message"),
                "request_id": error.request_id,
                "retry_after_ms": getattr(error, "retry_after", None),
                "access_denied_detail": getattr(error, "access_denied_detail", None),
            }
        }
    if len(Recorder.recorded) != 1:
        sys.exit(f"case `{case['name']}`: the SDK sent {len(Recorder.recorded)} requests, expected 1")
    return {"name": case["name"], "request": Recorder.recorded[0], "outcome": outcome}


def main():
    cases = json.load(sys.stdin)["cases"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        records = [run(case, port) for case in cases]
    finally:
        server.shutdown()
    json.dump({"versions": INSTALLED, "port": port, "records": records}, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
