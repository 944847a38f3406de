"""Rate limits in points per window, charged by both GraphQL paths before they run.

A request costs ``points(cost)``: one point per ``cost_per_point`` of its static cost
(``schema/cost.py``), at least one, as GitHub charges one point per 100 nodes. Each
caller has a budget of points per fixed window (default 3,600 s): anonymous callers by
client address, API keys by key id, with a budget per role (``Settings.rate_limit_*``). A
request that does not fit in what is left is refused whole (nothing charged) with 429,
``RATE_LIMITED``, ``Retry-After`` and the ``RateLimit-Limit``/``-Remaining``/``-Reset``
headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers).

The counters are held in process, one per instance: a window's counters are dropped when
the next window starts, and at most ``max_callers`` are kept (least recently seen callers
are forgotten first, and start again from a full budget), about 200 bytes each (and as
many again for the callers with refusals, below). Behind a
load balancer with N instances a caller can spend up to N budgets; divide the budgets by
N, or route callers to instances by address. Kept in process rather than in PostgreSQL
because a shared counter costs a write (and a round trip) per request, and the planner
answers a read in one statement.

Refusals cost the abuser: a request refused for what it is (a document that does not
parse or validate, a limit it breaks, a cost over the budget, any other 4xx) is charged
``refuse`` points (``Settings.rate_limit_refusal_points``) although nothing ran, so a
flood of bad requests from one caller soon meets 429s; and once a caller's points are
spent, ``spent`` says so before its request's body is read (``app/admission.py``), so
those 429s cost the server a dictionary lookup. Before that, ``refused_share`` (the
share of the budget spent on refusals) sets how long each refusal's answer waits.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window starts again

    def headers(self) -> list[tuple[str, str]]:
        out = [
            ("RateLimit-Limit", str(self.limit)),
            ("RateLimit-Remaining", str(self.remaining)),
            ("RateLimit-Reset", str(self.reset)),
        ]
        if not self.allowed:
            out.append(("Retry-After", str(self.reset)))
        return out


class RateLimiter:
    def __init__(
        self,
        budgets: Mapping[str, int],
        *,
        window_seconds: int,
        cost_per_point: int,
        max_callers: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budgets = dict(budgets)  # role ("anonymous", "reader", …) → points per window
        self.window = window_seconds
        self.cost_per_point = cost_per_point
        self.max_callers = max_callers
        self.clock = clock
        self.window_start = 0.0
        self.used: OrderedDict[str, int] = OrderedDict()
        # points charged for refusals this window, per caller (a subset of ``used``)
        self.refused: OrderedDict[str, int] = OrderedDict()

    def points(self, cost: int) -> int:
        return max(1, math.ceil(cost / self.cost_per_point))

    def _reset(self) -> int:
        """Seconds until the next window (starting it if the clock has passed it)."""
        now = self.clock()
        start = now - now % self.window
        if start != self.window_start:
            self.window_start = start
            self.used.clear()
            self.refused.clear()
        return max(1, math.ceil(self.window_start + self.window - now))

    def _store(self, caller: str, used: int, counts: OrderedDict[str, int] | None = None) -> None:
        counts = self.used if counts is None else counts
        counts.pop(caller, None)
        counts[caller] = used
        while len(counts) > self.max_callers:
            counts.popitem(last=False)

    def charge(self, caller: str, role: str, cost: int) -> Decision:
        """Charge ``caller`` for a request of ``cost``, if it fits in what is left."""
        reset = self._reset()
        limit = self.budgets[role]
        used = self.used.get(caller, 0)
        points = self.points(cost)
        allowed = used + points <= limit
        if allowed:
            used += points
        self._store(caller, used)
        return Decision(allowed, limit, limit - used, reset)

    def refuse(self, caller: str, role: str, points: int) -> None:
        """Charge ``caller`` ``points`` for a refused request (as far as its budget goes)."""
        self._reset()
        limit = self.budgets[role]
        self._store(caller, min(limit, self.used.get(caller, 0) + points))
        self._store(caller, min(limit, self.refused.get(caller, 0) + points), self.refused)

    def refused_share(self, caller: str, role: str) -> float:
        """The share of ``caller``'s budget its refusals have spent this window (0 to 1)."""
        self._reset()
        return min(1.0, self.refused.get(caller, 0) / max(1, self.budgets[role]))

    def state(self, caller: str, role: str) -> Decision:
        """What ``caller`` has left (nothing charged)."""
        reset = self._reset()
        limit = self.budgets[role]
        return Decision(True, limit, max(0, limit - self.used.get(caller, 0)), reset)

    def spent(self, caller: str, role: str) -> Decision | None:
        """The refusal for a caller with no point left, or None (nothing charged)."""
        reset = self._reset()
        limit = self.budgets[role]
        if self.used.get(caller, 0) < limit:
            return None
        return Decision(False, limit, 0, reset)


def caller_of(key_id: int | None, address: str | None) -> str:
    """Keys are counted by key id, anonymous callers by client address."""
    return f"key:{key_id}" if key_id is not None else f"addr:{address or 'unknown'}"
