"""A loopback proxy in front of local-bigquery for dbt (started by up.sh with LOCALCLOUD_DBT=1).

local-bigquery answers CREATE TABLE AS SELECT with statementType CREATE_TABLE_AS_SELECT but no
configuration.query.destinationTable, which BigQuery sets; dbt-bigquery then calls get_table on
None and fails every `table` model. This proxy forwards every request unchanged and fills in
destinationTable on job resources of such statements from the statement's own table name, so the
models and dbt's materializations stay exactly what runs on BigQuery. Standard library only.

Usage: python bigquery_dbt_shim.py --listen 127.0.0.1:PORT --upstream http://127.0.0.1:PORT
"""

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CTAS = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"((?:`[^`]+`|[A-Za-z0-9_-]+)(?:\.(?:`[^`]+`|[A-Za-z0-9_-]+))*)",
    re.IGNORECASE,
)
JOB_PATH = re.compile(r"^/bigquery/v2/projects/([^/]+)/jobs(?:/[^/?]+)?(?:\?.*)?$")
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def destination(job, project):
    """The table a CTAS job resource creates, as a TableReference, or None."""
    query = job.get("configuration", {}).get("query", {})
    if query.get("destinationTable"):
        return None
    stats = job.get("statistics", {}).get("query", {})
    if stats.get("statementType") != "CREATE_TABLE_AS_SELECT":
        return None
    match = CTAS.search(query.get("query", ""))
    if not match:
        return None
    parts = [p for chunk in match.group(1).split("`") for p in chunk.split(".") if p]
    default = query.get("defaultDataset") or {}
    if len(parts) == 3:
        return {"projectId": parts[0], "datasetId": parts[1], "tableId": parts[2]}
    if len(parts) == 2:
        return {"projectId": project, "datasetId": parts[0], "tableId": parts[1]}
    if len(parts) == 1 and default.get("datasetId"):
        return {
            "projectId": default.get("projectId", project),
            "datasetId": default["datasetId"],
            "tableId": parts[0],
        }
    return None


def patch(path, body):
    """The response body with destinationTable filled in on a CTAS job, else unchanged."""
    route = JOB_PATH.match(path)
    if not route or not body:
        return body
    try:
        job = json.loads(body)
    except ValueError:
        return body
    if not isinstance(job, dict):
        return body
    table = destination(job, route.group(1))
    if table is None:
        return body
    job.setdefault("configuration", {}).setdefault("query", {})["destinationTable"] = table
    return json.dumps(job).encode()


class Proxy(BaseHTTPRequestHandler):
    upstream = ""
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {"host"}}
        request = urllib.request.Request(
            self.upstream + self.path, data=data, headers=headers, method=self.command
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as resp:
                status, resp_headers, body = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, resp_headers, body = err.code, err.headers, err.read()
        body = patch(self.path, body) if status == 200 else body
        self.send_response(status)
        for key, value in resp_headers.items():
            if key.lower() not in HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    def log_message(self, fmt, *args):
        return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost"):
        sys.exit("bigquery_dbt_shim: listens on loopback only")
    Proxy.upstream = args.upstream.rstrip("/")
    ThreadingHTTPServer((host, int(port)), Proxy).serve_forever()


if __name__ == "__main__":
    main()
