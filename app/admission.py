"""Admission: the cheapest refusals, decided on the request's head before its body is read.

A pure ASGI layer outside the body limit, the GraphQL-over-HTTP checks and both GraphQL
paths (``/healthz``, ``/readyz`` and ``/metrics`` pass untouched):

* **In flight per address.** A client address with ``SITREP_MAX_IN_FLIGHT_PER_ADDRESS``
  requests in progress in this process gets 429 ``TOO_MANY_REQUESTS_IN_FLIGHT`` with
  ``Retry-After: 1`` at once, so one address cannot take more than that share of the
  event loop, whatever its requests cost. Exports (``/export/…``), long streams that
  each cost seconds of CPU, have a cap of their own: ``SITREP_MAX_EXPORTS_PER_ADDRESS``
  at once, more get 429 ``TOO_MANY_EXPORTS`` (the process-wide cap answers 503).
* **Executing per address.** Of an address's requests in flight, at most
  ``SITREP_MAX_ACTIVE_PER_ADDRESS`` execute at once (exports aside: they have their own
  cap); the others wait their turn, first come first served, before their body is read
  (a waiting request holds a socket, no CPU and no connection). A flood from one address
  then puts at most that many of its requests between another client's request and the
  event loop, whatever their number, and its own requests still all get answered: a
  browser's six parallel requests or a batch of sixty wait a few milliseconds each.
* **Points spent.** An anonymous address whose rate-limit points are spent
  (``schema/ratelimit.py``) gets the same 429 ``RATE_LIMITED`` as the GraphQL paths give
  (``RateLimit-*`` headers, ``Retry-After``), before its body is read or parsed, and
  after ``SITREP_RATE_LIMIT_REFUSAL_DELAY_MS``: a client that ignores ``Retry-After``
  and asks again at once gets one answer per delay per connection instead of hundreds
  a second (the waiting request counts as in flight, so the cap above bounds how many
  an address holds; a client that honours ``Retry-After`` loses nothing). Requests
  with an API key are counted by key, which only the database knows: they are charged by
  the GraphQL paths.
* **Refusals slow the refused.** A refusal's answer waits (in its turn, above) for
  ``SITREP_RATE_LIMIT_REFUSAL_DELAY_MS`` times the share of its caller's budget that
  the caller's refusals have spent this window: nothing for a first mistake, 2 ms after
  one refusal with the default budgets, up to the delay of a spent address as the
  refusals spend the budget. A flood of bad requests slows down from its first
  answers (with ``SITREP_MAX_ACTIVE_PER_ADDRESS`` answers per delay at most), instead
  of running at full speed until its points are spent; a correct request from the
  same caller is not delayed.
* **Refusals cost points.** When a request is refused — a 4xx other than 429, a
  GraphQL request error (the document does not parse or validate, breaks a limit or the
  cost budget, the variables do not fit: nothing ran), or an argument refused as the
  operation ran (``BAD_USER_INPUT``, ``INVALID_ID``, ``INVALID_CURSOR``,
  ``PAGE_SIZE_EXCEEDED``) — its caller is charged
  ``SITREP_RATE_LIMIT_REFUSAL_POINTS`` points: by key when a GraphQL path knew the key,
  else by address (for a request without a key, or with one that is not valid). Its
  answer carries the caller's ``RateLimit-*`` headers after the charge (when a GraphQL
  path has not set them already, charging the request's cost), also when it comes from
  the fast path's memory of refusals.

A refusal here answers without reading the request's body, so it closes the connection
when a body was announced (the client cannot send its next request on it before the
unread body). The counters are per process, as the rate limits'.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque

from app.asgi import ASGIApp, HttpLayer, Message, Receive, Scope, Send
from app.errors import HttpError
from app.graphql_http import JSON, REQUEST_ERROR, negotiate
from schema.guard import CALLER, REFUSED
from schema.ratelimit import Decision, RateLimiter, caller_of

EXEMPT = {"/healthz", "/readyz", "/metrics"}
EXPORTS = "/export/"
IN_FLIGHT_RETRY_AFTER = 1
EXPORT_RETRY_AFTER = 5


def rate_limited(decision: Decision) -> HttpError:
    """The 429 of a caller out of points (the GraphQL paths' error, as an HTTP error)."""
    return HttpError(
        429,
        f"Rate limit of {decision.limit} points per window reached; try again in "
        f"{decision.reset} s.",
        "RATE_LIMITED",
        headers=dict(decision.headers()),
        limit=decision.limit,
        retryAfter=decision.reset,
    )


def too_many_in_flight(limit: int) -> HttpError:
    return HttpError(
        429,
        f"More than {limit} requests in progress from this address; wait for one to finish.",
        "TOO_MANY_REQUESTS_IN_FLIGHT",
        headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER)},
        limit=limit,
    )


def too_many_exports(limit: int) -> HttpError:
    return HttpError(
        429,
        f"More than {limit} exports in progress from this address; wait for one to finish.",
        "TOO_MANY_EXPORTS",
        headers={"Retry-After": str(EXPORT_RETRY_AFTER)},
        limit=limit,
    )


class Turns:
    """At most ``limit`` requests of one address executing at once; the others wait in
    a queue of their address, served in arrival order (the queue is bounded by the
    in-flight cap, which counts the waiting requests)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active: Counter[str] = Counter()
        self.waiting: dict[str, deque[asyncio.Future[None]]] = {}

    async def acquire(self, address: str) -> None:
        if self.active[address] < self.limit and address not in self.waiting:
            self.active[address] += 1
            return
        turn = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(address, deque()).append(turn)
        try:
            await turn  # a finished request hands its turn over (``release``)
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(address)  # handed over as it was cancelled: pass it on
            else:
                queue = self.waiting.get(address)
                if queue is not None and turn in queue:
                    queue.remove(turn)
                    if not queue:
                        del self.waiting[address]
            raise

    def release(self, address: str) -> None:
        queue = self.waiting.get(address)
        while queue:
            turn = queue.popleft()
            if not queue:
                del self.waiting[address]
            if not turn.done():
                turn.set_result(None)  # the next one's turn: ``active`` stays the same
                return
        self.active[address] -= 1
        if self.active[address] <= 0:
            del self.active[address]


class Admission(HttpLayer):
    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter | None,
        *,
        max_in_flight: int,
        max_exports: int,
        refusal_points: int,
        spent_delay_s: float = 0.0,
        max_active: int = 0,
    ) -> None:
        super().__init__(app)
        self.turns = Turns(max_active) if max_active else None
        self.limiter = limiter
        self.max_in_flight = max_in_flight
        self.max_exports = max_exports
        self.refusal_points = refusal_points
        self.spent_delay_s = spent_delay_s
        self.in_flight: Counter[str] = Counter()
        self.exports: Counter[str] = Counter()

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        headers = dict(scope["headers"])
        keyed = b"authorization" in headers
        export = scope["path"].startswith(EXPORTS)
        refusal = None
        if self.max_in_flight and self.in_flight[address] >= self.max_in_flight:
            refusal = too_many_in_flight(self.max_in_flight)
        elif export and self.max_exports and self.exports[address] >= self.max_exports:
            refusal = too_many_exports(self.max_exports)
        elif (
            self.limiter is not None
            and not keyed
            and self.limiter.spent(caller_of(None, address), "anonymous") is not None
        ):
            await self._spent(scope, headers, send, address)
            return
        if refusal is not None:
            await self._refuse(scope, headers, send, refusal)
            return
        status = 0

        charged = False

        async def watched(message: Message) -> None:
            nonlocal status, charged
            if message["type"] == "http.response.start":
                status = message["status"]
                found = self._refused_by(scope, status, address, keyed)
                if found is not None:
                    delay = self._refusal_delay(*found)
                    if delay > 0:
                        await asyncio.sleep(delay)  # in its turn: the address waits too
                    charged = True
                    message["headers"] = self._charge(*found, message.get("headers", []))
            await send(message)

        counters = (self.in_flight, self.exports) if export else (self.in_flight,)
        for counter in counters:
            counter[address] += 1
        turns = self.turns if not export else None
        try:
            if turns is not None:
                await turns.acquire(address)
            try:
                await self.app(scope, receive, watched)
            finally:
                if turns is not None:
                    turns.release(address)
        finally:
            for counter in counters:
                counter[address] -= 1
                if counter[address] <= 0:
                    del counter[address]
            found = None if charged else self._refused_by(scope, status, address, keyed)
            if found is not None:  # refused, but no answer was sent
                self._charge(*found, [])

    async def _spent(
        self, scope: Scope, headers: dict[bytes, bytes], send: Send, address: str
    ) -> None:
        """The 429 of an address out of points, after the delay (in flight meanwhile)."""
        self.in_flight[address] += 1
        try:
            if self.spent_delay_s:
                await asyncio.sleep(self.spent_delay_s)
        finally:
            self.in_flight[address] -= 1
            if self.in_flight[address] <= 0:
                del self.in_flight[address]
        assert self.limiter is not None
        decision = self.limiter.spent(caller_of(None, address), "anonymous")
        if decision is None:  # a new window started while it waited
            decision = Decision(False, self.limiter.budgets["anonymous"], 0, 1)
        await self._refuse(scope, headers, send, rate_limited(decision))

    def _refused_by(
        self, scope: Scope, status: int, address: str, keyed: bool
    ) -> tuple[str, str] | None:
        """The caller (and role) a refused request is charged to; None when the request
        was not refused (or its key is not known yet)."""
        if self.limiter is None or not self.refusal_points or status == 429:
            return None
        refused = scope.get(REQUEST_ERROR) == "REQUEST" or scope.get(REFUSED)
        if not (400 <= status < 500 or refused):
            return None
        found: tuple[str, str] | None = scope.get(CALLER)
        if found is not None:
            return found
        if not keyed or status == 401:
            return caller_of(None, address), "anonymous"
        return None  # a key's request refused before any path knew the key

    def _refusal_delay(self, caller: str, role: str) -> float:
        """How long a refusal waits for its answer: the share of its caller's budget that
        its refusals have spent, times the delay of a spent address."""
        assert self.limiter is not None
        return self.spent_delay_s * self.limiter.refused_share(caller, role)

    def _charge(
        self, caller: str, role: str, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        """Charge a refusal; the answer's headers with the caller's ``RateLimit-*`` after
        it (unless a GraphQL path has set them already, charging the cost)."""
        assert self.limiter is not None
        self.limiter.refuse(caller, role, self.refusal_points)
        if any(name.lower() == b"ratelimit-limit" for name, _ in headers):
            return list(headers)
        decision = self.limiter.state(caller, role)
        return [*headers, *((k.lower().encode(), v.encode()) for k, v in decision.headers())]

    async def _refuse(
        self, scope: Scope, headers: dict[bytes, bytes], send: Send, error: HttpError
    ) -> None:
        media = JSON
        if scope["path"].rstrip("/") == "/graphql":
            media = negotiate(headers.get(b"accept", b"").decode("latin-1") or None) or JSON
        body = error.body()
        out = [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        out += [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
        if headers.get(b"content-length", b"0").strip() not in (b"", b"0") or (
            b"transfer-encoding" in headers
        ):
            out.append((b"connection", b"close"))  # the body is not read
        await send({"type": "http.response.start", "status": error.status, "headers": out})
        await send({"type": "http.response.body", "body": body})
