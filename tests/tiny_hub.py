"""A Hugging Face Hub stand-in on 127.0.0.1, for `HF_ENDPOINT`: the two routes that
`huggingface_hub`'s `model_info` and `hf_hub_download` use, with the headers they read.

    GET       /api/models/ORG/NAME[/revision/REV]   {"id", "sha", "siblings": [{"rfilename"}]}
    HEAD/GET  /ORG/NAME/resolve/REV/PATH            the file, with X-Repo-Commit, ETag and
                                                    Content-Length

Unknown repositories, revisions and files answer 404 with the `X-Error-Code` the Hub sends
(RepoNotFound, RevisionNotFound, EntryNotFound). Every file request is recorded in
`requests` as `(repo_id, path)`, any other route in `unknown`.
"""

import hashlib
import http.server
import json
import threading
import urllib.parse

from huggingface_hub import constants


class TinyHub:
    """`repos`: {repo_id: {revision: (commit, {path: bytes})}}; `url` is the endpoint."""

    def __init__(self, repos):
        self.repos = repos
        self.requests = []
        self.unknown = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                hub._answer(self, with_body=False)

            def do_GET(self):
                hub._answer(self, with_body=True)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def _revision(self, repo_id, revision):
        revisions = self.repos.get(repo_id)
        if revisions is None:
            return "RepoNotFound", None
        for name, (commit, files) in revisions.items():
            if revision in (name, commit):
                return None, (commit, files)
        return "RevisionNotFound", None

    def _answer(self, handler, with_body):
        path = urllib.parse.unquote(urllib.parse.urlparse(handler.path).path).strip("/")
        parts = path.split("/")
        if parts[:2] == ["api", "models"]:
            repo_id = "/".join(parts[2:4])
            revision = parts[5] if len(parts) > 5 and parts[4] == "revision" else "main"
            error, found = self._revision(repo_id, revision)
            if error:
                return self._send(handler, 404, b"{}", {"X-Error-Code": error}, with_body)
            commit, files = found
            body = {"id": repo_id, "sha": commit, "siblings": [{"rfilename": f} for f in files]}
            return self._send(handler, 200, json.dumps(body).encode(), {}, with_body)
        if len(parts) < 5 or parts[2] != "resolve":
            self.unknown.append(path)
            return self._send(handler, 404, b"", {}, with_body)
        repo_id, revision, file = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
        error, found = self._revision(repo_id, revision)
        if error:
            return self._send(handler, 404, b"", {"X-Error-Code": error}, with_body)
        commit, files = found
        headers = {"X-Repo-Commit": commit}
        if file not in files:
            headers["X-Error-Code"] = "EntryNotFound"
            return self._send(handler, 404, b"", headers, with_body)
        if with_body:
            self.requests.append((repo_id, file))
        content = files[file]
        headers["ETag"] = f'"{hashlib.sha256(content).hexdigest()}"'
        return self._send(handler, 200, content, headers, with_body)

    @staticmethod
    def _send(handler, status, body, headers, with_body):
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if with_body:
            handler.wfile.write(body)


def point_huggingface_hub_at(monkeypatch, endpoint, hf_home, offline=False):
    """What HF_ENDPOINT, HF_HOME and HF_HUB_OFFLINE set when huggingface_hub is imported, for
    this test process."""
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    template = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hf_home / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)
