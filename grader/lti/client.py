"""Talking to an LTI 1.3 platform: an access token, line items and scores (AGS).

The token comes from OAuth 2 client credentials with a signed JWT assertion
(RS256, ``iss`` = ``sub`` = client id, ``aud`` = token endpoint), as the LTI
Advantage security framework says.  Every request is retried on 429 and 5xx
with back-off that honours ``Retry-After``; a 401 refreshes the token once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt

from grader.lti.settings import Platform

SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
          "https://purl.imsglobal.org/spec/lti-ags/scope/score")
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"

#: Tries of one request (the first and the retries), the longest wait between two.
ATTEMPTS = 6
MAX_WAIT = 60.0
#: Pages of line items read at most (a container pages with Link: rel="next").
MAX_PAGES = 200


class PlatformError(Exception):
    """The platform refused a request: what was asked, what it answered, and what to check."""


@dataclass(frozen=True)
class LineItem:
    id: str            # the line item's URL
    resource_id: str
    label: str
    score_maximum: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineItem:
        return cls(str(data["id"]), str(data.get("resourceId", "")), str(data.get("label", "")),
                   float(data.get("scoreMaximum", 0)))


def scores_url(lineitem: str) -> str:
    """``{lineitem}/scores``, keeping the line item URL's query string where it belongs."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class Client:
    """One platform's AGS endpoints, with a cached token."""

    def __init__(self, platform: Platform, http: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.platform = platform
        self.http = http or httpx.Client(timeout=30.0)
        self.sleep = sleep
        self._token: str | None = None
        self.retries = 0  # requests repeated after a 429 or 5xx (for the summary)

    def close(self) -> None:
        self.http.close()

    # -- token -------------------------------------------------------------------
    def assertion(self) -> str:
        """The signed JWT that proves this tool is the registered client."""
        now = int(time.time())
        claims = {"iss": self.platform.client_id, "sub": self.platform.client_id,
                  "aud": self.platform.token_url, "iat": now, "exp": now + 300,
                  "jti": uuid.uuid4().hex, DEPLOYMENT_CLAIM: self.platform.deployment_id}
        headers = {"kid": self.platform.key_id} if self.platform.key_id else None
        return jwt.encode(claims, self.platform.private_key.get_secret_value(), algorithm="RS256",
                          headers=headers)

    def token(self, refresh: bool = False) -> str:
        if self._token is None or refresh:
            form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": self.assertion(), "scope": " ".join(SCOPES)}
            response = self._send("POST", self.platform.token_url, data=form)
            if response.status_code != 200:
                raise PlatformError(self._refusal("getting an access token", response,
                                                  "check client_id, the key and token_url"))
            try:
                self._token = str(response.json()["access_token"])
            except (ValueError, KeyError):
                raise PlatformError(f"{self.platform.token_url}: the token answer has no "
                                    "access_token") from None
        return self._token

    # -- AGS ---------------------------------------------------------------------
    def line_items(self) -> list[LineItem]:
        items: list[LineItem] = []
        url: str | None = self.platform.lineitems_url
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = self._authorized("GET", url, headers={"Accept": CONTAINER_TYPE})
            if response.status_code != 200:
                raise PlatformError(self._refusal("listing line items", response,
                                                  "check lineitems_url and the lineitem scope"))
            items += [LineItem.from_json(d) for d in response.json()]
            url = response.links.get("next", {}).get("url")
        raise PlatformError(f"{self.platform.lineitems_url}: more than {MAX_PAGES} pages of line items")

    def create_line_item(self, resource_id: str, label: str, score_maximum: float) -> LineItem:
        body = {"scoreMaximum": score_maximum, "label": label, "resourceId": resource_id}
        response = self._authorized("POST", self.platform.lineitems_url, json=body,
                                    headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE})
        if response.status_code not in (200, 201):
            raise PlatformError(self._refusal(f"creating line item {resource_id}", response,
                                              "check the lineitem scope"))
        return LineItem.from_json(response.json())

    def post_score(self, item: LineItem, score: dict[str, Any]) -> None:
        response = self._authorized("POST", scores_url(item.id), json=score,
                                    headers={"Content-Type": SCORE_TYPE})
        if response.status_code not in (200, 201, 202, 204):
            raise PlatformError(self._refusal(f"posting the score of {score['userId']} to "
                                              f"{item.resource_id}", response,
                                              "check the roster's lti_user_id and the score scope"))

    # -- requests ----------------------------------------------------------------
    def _authorized(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request with the bearer token; a 401 gets one fresh token and one more try."""
        headers = dict(kwargs.pop("headers", {}))
        for fresh in (False, True):
            headers["Authorization"] = f"Bearer {self.token(refresh=fresh)}"
            response = self._send(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
        return response

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, repeated on 429 and 5xx with back-off (Retry-After when given)."""
        for attempt in range(ATTEMPTS):
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt == ATTEMPTS - 1:
                    raise PlatformError(f"{url}: {type(exc).__name__}: {exc}") from None
                self.retries += 1
                self.sleep(_backoff(attempt))
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            if attempt == ATTEMPTS - 1:
                return response
            self.retries += 1
            self.sleep(retry_after(response.headers.get("Retry-After"), attempt))
        raise AssertionError("unreachable")

    @staticmethod
    def _refusal(what: str, response: httpx.Response, fix: str) -> str:
        body = response.text[:300].replace("\n", " ")
        return f"{what}: {response.request.url} answered {response.status_code} ({body}). Fix: {fix}"


def _backoff(attempt: int) -> float:
    return min(MAX_WAIT, 0.5 * 2 ** attempt)


def retry_after(header: str | None, attempt: int) -> float:
    """Seconds to wait: Retry-After as seconds or an HTTP date, else exponential back-off."""
    if header:
        try:
            return min(MAX_WAIT, max(0.0, float(header)))
        except ValueError:
            try:
                return min(MAX_WAIT, max(0.0, parsedate_to_datetime(header).timestamp() - time.time()))
            except (TypeError, ValueError):
                pass
    return _backoff(attempt)
