"""The event taxonomy (sub-event type → event type), and weapons and outcomes read from a
row's type and its text.

The weapon is the first one the notes name (``explosive-laden UAV`` → DRONE, ``rockets``
→ ROCKET, ``ballistic missile`` → MISSILE, …); when they name none, the sub-event type
decides (an air/drone strike without a drone is an AIRSTRIKE). An interception
(``Disrupted weapons use``, or notes saying ``intercepted`` / ``shot down``) has the
outcome INTERCEPTED (a defused bomb or a seized cache: FAILED); other outcomes are not
guessed.
"""

from __future__ import annotations

import re

from db.core import Db


async def load(db: Db) -> dict[str, str]:
    rows = await db.fetch("select sub_event_type, event_type from event_taxonomy")
    return {r["sub_event_type"]: r["event_type"] for r in rows}


# (weapon, pattern) — the earliest match in the text wins.
_WEAPON_WORDS = [
    ("DRONE", r"drones?|uavs?|unmanned aerial|quadcopters?|one-way attack"),
    ("MISSILE", r"(?:ballistic|cruise|guided|anti-tank|surface-to-surface) missiles?|missiles?"),
    ("ROCKET", r"rockets?|katyushas?|grad\b|rpgs?"),
    ("ARTILLERY", r"artillery|shell(?:s|ing|ed)|mortars?|howitzers?"),
    ("AIRSTRIKE", r"air ?strikes?|warplanes?|fighter jets?|aerial bombardment|bombers?"),
    ("IED", r"ieds?|improvised explosive|roadside bombs?|landmines?|car bombs?|vbieds?"),
    ("SMALL_ARMS", r"gunfire|gunmen|small arms|shot dead|machine guns?|rifles?|sniper"),
]
_WEAPON_RE = re.compile("|".join(f"(?P<{w}>\\b(?:{p}))" for w, p in _WEAPON_WORDS), re.IGNORECASE)
_INTERCEPT_RE = re.compile(r"\bintercept\w*|\bshot down\b|\bdowned\b|air defen[cs]e", re.I)
_DEFUSED_RE = re.compile(r"\bdefus\w*|\bdismantl\w*|\bseiz\w*|\bcache\b", re.I)

# sub-event type → weapon when the text names none
_BY_SUB_EVENT = {
    "AIR_DRONE_STRIKE": "AIRSTRIKE",
    "SHELLING_ARTILLERY_MISSILE_ATTACK": "ARTILLERY",
    "REMOTE_EXPLOSIVE_LANDMINE_IED": "IED",
    "SUICIDE_BOMB": "IED",
    "ARMED_CLASH": "SMALL_ARMS",
    "GRENADE": "OTHER",
    "CHEMICAL_WEAPON": "OTHER",
}
# sub-event types whose weapon the text may name (others have none to speak of)
_ARMED = {*_BY_SUB_EVENT, "DISRUPTED_WEAPONS_USE", "ATTACK", "GOVERNMENT_REGAINS_TERRITORY",
          "NON_STATE_ACTOR_OVERTAKES_TERRITORY"}  # fmt: skip


def weapon_in(text: str | None) -> str | None:
    """The first weapon the text names, if any."""
    if not text:
        return None
    m = _WEAPON_RE.search(text)
    return m.lastgroup if m else None


def weapon_and_outcome(sub_event_type: str | None, text: str | None) -> tuple[str, str]:
    """(weapon, outcome) of an ACLED-typed event from its sub-event type and text."""
    named = weapon_in(text) if sub_event_type is None or sub_event_type in _ARMED else None
    weapon = named or _BY_SUB_EVENT.get(sub_event_type or "", "UNKNOWN")
    if text and _INTERCEPT_RE.search(text):
        return weapon, "INTERCEPTED"
    if sub_event_type == "DISRUPTED_WEAPONS_USE":
        # a defused bomb or a seized cache failed; anything else disrupted was intercepted
        return weapon, "FAILED" if text and _DEFUSED_RE.search(text) else "INTERCEPTED"
    return weapon, "UNKNOWN"
