#!/usr/bin/env python3
"""A small client of the hafennetz API v1 (docs/api.md), standard library only.

    export HAFENNETZ_URL=https://hafennetz.example.org HAFENNETZ_TOKEN=hn_...
    hafennetz-api-example.py members [--status alliance]
    hafennetz-api-example.py round 4
    hafennetz-api-example.py submit 4 05766020 report.json [--draft]
    hafennetz-api-example.py webhook-register https://my.server/hook round.opened report.submitted
    hafennetz-api-example.py receive --port 8787 --secret whsec_...   # prints verified events

report.json: {"share_with_members": false, "answers": {"housing": {"strain": 3}, ...},
"figures": {"places_available": {"value": 120}}}
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.server
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any


def call(method: str, path: str, body: Any = None) -> Any:
    base = os.environ.get("HAFENNETZ_URL", "http://127.0.0.1:8000").rstrip("/")
    url = path if path.startswith("http") else f"{base}/api/v1{path}"
    request = urllib.request.Request(url, method=method)  # noqa: S310 (the user's own URL)
    request.add_header("Accept", "application/json")
    request.add_header("Accept-Language", os.environ.get("HAFENNETZ_LANGUAGE", "de"))
    token = os.environ.get("HAFENNETZ_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read() or b"{}")
        print(f"{error.code} {problem.get('title')}: {problem.get('detail')}", file=sys.stderr)
        for item in problem.get("errors", []):
            print(f"  {item['field'] or '(request)'}: {item['message']}", file=sys.stderr)
        if error.code == 429:
            print(f"  retry after {error.headers.get('Retry-After')} s", file=sys.stderr)
        raise SystemExit(1) from None


def members(args: argparse.Namespace) -> None:
    url: str | None = "/members" + (f"?status={args.status}" if args.status else "")
    while url:
        page = call("GET", url)
        for body in page["data"]:
            print(f"{body['ags']}\t{body['name']}\t{body['state']['name']}\t{body['status']}")
        url = page["links"]["next"]


def show_round(args: argparse.Namespace) -> None:
    survey_round = call("GET", f"/situation/rounds/{args.number}")
    print(
        f"Round {survey_round['number']}: {survey_round['title']}, "
        f"deadline {survey_round['deadline']}"
    )
    for topic in survey_round["questionnaire"]["topics"]:
        print(f"  topic  {topic['code']}: {topic['name']}")
    for figure in survey_round["questionnaire"]["figures"]:
        print(f"  figure {figure['code']}: {figure['label']} ({figure['unit']})")


def submit(args: argparse.Namespace) -> None:
    with open(args.file, encoding="utf-8") as handle:
        report = json.load(handle)
    path = f"/situation/rounds/{args.number}/reports/{args.ags}"
    result = call("PUT", path, report) if args.draft else call("POST", path + "/submit", report)
    latest = result["versions"][0]
    print(f"version {latest['version']}: {latest['status']}")


def webhook_register(args: argparse.Namespace) -> None:
    endpoint = call("POST", "/webhooks", {"url": args.url, "events": args.events})
    print(f"endpoint {endpoint['number']} registered; signing secret (shown once):")
    print(endpoint["secret"])


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


def receive(args: argparse.Namespace) -> None:
    secret = args.secret

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not verify(secret, self.headers.get("Hafennetz-Signature", ""), body):
                self.send_response(401)
                self.end_headers()
                print("refused: bad signature", flush=True)
                return
            event = json.loads(body)
            print(json.dumps(event, ensure_ascii=False), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.HTTPServer((args.host, args.port), Handler)
    print(f"listening on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(required=True)
    command = commands.add_parser("members", help="list members (public)")
    command.add_argument("--status", choices=["alliance", "resolution_only", "former"])
    command.set_defaults(run=members)
    command = commands.add_parser("round", help="a round and its questionnaire")
    command.add_argument("number", type=int)
    command.set_defaults(run=show_round)
    command = commands.add_parser("submit", help="submit (or --draft: save) a report")
    command.add_argument("number", type=int)
    command.add_argument("ags")
    command.add_argument("file")
    command.add_argument("--draft", action="store_true")
    command.set_defaults(run=submit)
    command = commands.add_parser("webhook-register", help="register a webhook endpoint")
    command.add_argument("url")
    command.add_argument("events", nargs="+")
    command.set_defaults(run=webhook_register)
    command = commands.add_parser("receive", help="receive and verify webhook deliveries")
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=8787)
    command.add_argument("--secret", required=True)
    command.set_defaults(run=receive)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
