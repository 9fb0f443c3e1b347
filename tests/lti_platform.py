"""A small LTI 1.3 platform on 127.0.0.1 for the push tests: as strict as the spec.

It checks what a real platform checks — the client assertion's RS256 signature and
every claim, the grant, the scopes, each request's bearer token, content type and
payload — and records every problem instead of answering vaguely, so a test can
assert there were none.  It can answer 429, 500 or 401 on purpose, and hold one
score request open so a test can kill the pusher mid-flight.

Scores follow AGS: per (line item, user) the platform keeps the latest; a score with
the timestamp it already holds is the same update sent again, not a new one.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PROGRESS = {"activityProgress": {"Initialized", "Started", "InProgress", "Submitted", "Completed"},
            "gradingProgress": {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}}
PAGE = 2  # line items per page, so that paging is exercised


@dataclass
class Answer:
    """A planned answer to the next score POST, before it is looked at."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PlatformState:
    client_id: str
    deployment_id: str
    public_key: str
    problems: list[str] = field(default_factory=list)
    tokens: dict[str, set[str]] = field(default_factory=dict)  # token -> its scopes
    jtis: set[str] = field(default_factory=set)
    token_requests: int = 0
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> body
    #: (lineitem id, userId) -> every distinct score update accepted, in order
    scores: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    score_posts: int = 0
    planned: list[Answer] = field(default_factory=list)
    #: after this many accepted score updates, the next score request is held open
    hold_after: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class LocalPlatform:
    """``with LocalPlatform(...) as p:`` serves on ``p.url`` until the block ends."""

    def __init__(self, client_id: str, deployment_id: str, public_key: str):
        self.state = PlatformState(client_id, deployment_id, public_key)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state, self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.token_url = f"{self.url}/token"
        self.lineitems_url = f"{self.url}/context/7/lineitems?type=concurlab"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalPlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()

    def add_lineitem(self, resource_id: str, label: str, maximum: float) -> str:
        item_id = f"{self.url}/context/7/lineitems/{len(self.state.lineitems) + 1}?type=concurlab"
        self.state.lineitems[item_id] = {"id": item_id, "resourceId": resource_id, "label": label,
                                         "scoreMaximum": maximum}
        return item_id

    def score_of(self, resource_id: str, user_id: str) -> list[dict[str, Any]]:
        """Every distinct update of one user's score on the line item with ``resource_id``."""
        ids = [i for i, body in self.state.lineitems.items() if body["resourceId"] == resource_id]
        return [s for i in ids for s in self.state.scores.get((i, user_id), [])]


def _handler(state: PlatformState, platform: LocalPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                   content_type: str = "application/json") -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if data:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def _authorized(self, scope: str) -> bool:
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ")
            if not auth.startswith("Bearer ") or token not in state.tokens:
                self._reply(401, {"error": "invalid_token"})
                return False
            if scope not in state.tokens[token]:
                state.problem(f"a token without {scope} used for {self.command} {self.path}")
                self._reply(403, {"error": "insufficient_scope"})
                return False
            return True

        # -- routes --------------------------------------------------------------
        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path == "/token":
                self._token()
            elif path == "/context/7/lineitems":
                self._create_lineitem()
            elif path.startswith("/context/7/lineitems/") and path.endswith("/scores"):
                self._score(path.removesuffix("/scores"))
            else:
                state.problem(f"POST to unknown path {self.path}")
                self._reply(404)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/context/7/lineitems":
                state.problem(f"GET of unknown path {self.path}")
                return self._reply(404)
            if not self._authorized(SCOPE_LINEITEM):
                return None
            if "application/vnd.ims.lis.v2.lineitemcontainer+json" not in self.headers.get("Accept", ""):
                state.problem(f"line items listed with Accept {self.headers.get('Accept')}")
            query = parse_qs(parts.query)
            if query.get("type") != ["concurlab"]:
                state.problem(f"the container's query string was lost: {self.path}")
            page = int(query.get("page", ["0"])[0])
            items = list(state.lineitems.values())
            chunk = items[page * PAGE:(page + 1) * PAGE]
            headers = {}
            if (page + 1) * PAGE < len(items):
                headers["Link"] = f'<{platform.url}/context/7/lineitems?type=concurlab&page={page + 1}>; rel="next"'
            self._reply(200, chunk, headers, "application/vnd.ims.lis.v2.lineitemcontainer+json")
            return None

        def _token(self) -> None:
            state.token_requests += 1
            form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                state.problem(f"token request content type {self.headers.get('Content-Type')}")
            if form.get("grant_type") != "client_credentials":
                state.problem(f"grant_type {form.get('grant_type')}")
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                state.problem(f"client_assertion_type {form.get('client_assertion_type')}")
            scopes = set(form.get("scope", "").split())
            if not {SCOPE_LINEITEM, SCOPE_SCORE} <= scopes:
                state.problem(f"scopes asked: {sorted(scopes)}")
            try:
                claims = jwt.decode(form.get("client_assertion", ""), state.public_key,
                                    algorithms=["RS256"], audience=platform.token_url,
                                    issuer=state.client_id,
                                    options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]})
            except jwt.PyJWTError as exc:
                state.problem(f"client assertion rejected: {type(exc).__name__}: {exc}")
                return self._reply(400, {"error": "invalid_client"})
            if claims["sub"] != state.client_id:
                state.problem(f"sub {claims['sub']} is not the client id")
            if claims["jti"] in state.jtis:
                state.problem(f"jti {claims['jti']} used twice")
            state.jtis.add(claims["jti"])
            if not 0 < claims["exp"] - claims["iat"] <= 3600:
                state.problem(f"assertion lifetime {claims['exp'] - claims['iat']} s")
            deployment = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
            if deployment != state.deployment_id:
                state.problem(f"deployment id {deployment}")
            token = secrets.token_hex(16)
            state.tokens[token] = scopes & {SCOPE_LINEITEM, SCOPE_SCORE}
            self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600,
                              "scope": " ".join(sorted(scopes))})
            return None

        def _create_lineitem(self) -> None:
            if not self._authorized(SCOPE_LINEITEM):
                return
            if self.headers.get("Content-Type") != "application/vnd.ims.lis.v2.lineitem+json":
                state.problem(f"line item created with content type {self.headers.get('Content-Type')}")
            body = json.loads(self._body())
            if not (isinstance(body.get("scoreMaximum"), int | float) and body["scoreMaximum"] > 0
                    and isinstance(body.get("label"), str) and body["label"]
                    and isinstance(body.get("resourceId"), str)):
                state.problem(f"bad line item {body}")
            if any(b["resourceId"] == body.get("resourceId") for b in state.lineitems.values()):
                state.problem(f"line item {body.get('resourceId')} created twice")
            item_id = platform.add_lineitem(body["resourceId"], body["label"], body["scoreMaximum"])
            self._reply(201, state.lineitems[item_id], content_type="application/vnd.ims.lis.v2.lineitem+json")

        def _score(self, item_path: str) -> None:
            with state.lock:
                state.score_posts += 1
                planned = state.planned.pop(0) if state.planned else None
            if planned is not None:
                if planned.status == 401:
                    state.tokens.clear()  # the token "expired"
                self._body()
                return self._reply(planned.status, {"error": "planned"}, planned.headers)
            if not self._authorized(SCOPE_SCORE):
                return None
            if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                state.problem(f"score posted with content type {self.headers.get('Content-Type')}")
            item_id = next((i for i in state.lineitems if urlsplit(i).path == item_path), None)
            if item_id is None:
                state.problem(f"score for unknown line item {item_path}")
                return self._reply(404)
            if "type=concurlab" not in (urlsplit(self.path).query or ""):
                state.problem(f"the line item's query string was lost: {self.path}")
            score = json.loads(self._body())
            self._check_score(score, state.lineitems[item_id])
            accepted = len([1 for v in state.scores.values() for _ in v])
            if state.hold_after is not None and accepted >= state.hold_after:
                state.hold_after = None
                self._store(item_id, score)  # recorded, but the answer never arrives
                state.held.set()
                state.release.wait(30)
                return None
            self._store(item_id, score)
            return self._reply(200)

        def _check_score(self, score: dict[str, Any], item: dict[str, Any]) -> None:
            for key in ("userId", "scoreGiven", "scoreMaximum", "activityProgress",
                        "gradingProgress", "timestamp"):
                if key not in score:
                    state.problem(f"score without {key}: {score}")
                    return
            if not isinstance(score["userId"], str) or not score["userId"]:
                state.problem(f"userId {score['userId']!r}")
            if not (isinstance(score["scoreGiven"], int | float) and isinstance(score["scoreMaximum"], int | float)
                    and 0 <= score["scoreGiven"] <= score["scoreMaximum"]):
                state.problem(f"scoreGiven {score['scoreGiven']} of {score['scoreMaximum']}")
            if score["scoreMaximum"] != item["scoreMaximum"]:
                state.problem(f"scoreMaximum {score['scoreMaximum']} for a line item of {item['scoreMaximum']}")
            for key, allowed in PROGRESS.items():
                if score[key] not in allowed:
                    state.problem(f"{key} {score[key]}")
            try:
                stamp = datetime.fromisoformat(score["timestamp"])
                if stamp.tzinfo is None:
                    state.problem(f"timestamp without an offset: {score['timestamp']}")
            except (TypeError, ValueError):
                state.problem(f"timestamp {score['timestamp']!r} is not ISO 8601")
            if "comment" in score and not isinstance(score["comment"], str):
                state.problem(f"comment {score['comment']!r}")

        def _store(self, item_id: str, score: dict[str, Any]) -> None:
            with state.lock:
                updates = state.scores.setdefault((item_id, score["userId"]), [])
                if updates and updates[-1]["timestamp"] == score["timestamp"]:
                    if updates[-1] != score:
                        state.problem(f"same timestamp, other score: {updates[-1]} then {score}")
                    return  # the same update again
                if updates and updates[-1]["timestamp"] > score["timestamp"]:
                    return  # older than what the platform holds: ignored, as AGS says
                updates.append(score)

    return Handler
