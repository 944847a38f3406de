"""Incidents, in batches: when, where, what, who, how it ended, and who reports it.

Each incident picks a place (weighted by the place's and its country's share), a month
from its country's conflict profile over 2015-2024 (seasonal), an ACLED event type (at
bases hosting foreign forces mostly drone and rocket attacks), a date precision, harm
(Pareto-skewed), 1-4 distinct participants from its country's ranked actors (the hosted
forces as the target at such bases), 1-3 sources (some shared weekly overviews) and
sometimes a claim or an official's statement. About 1% of the rows are DRAFTs.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from db.generate.draw import Draw, cumulative, zipf_weights
from db.generate.vocabulary import (
    BASE_EVENTS,
    CHANNELS,
    END,
    EVENTS,
    LABELS,
    LANGUAGES,
    MONTHS,
    NOTE_PHRASES,
    PUBLISHER_STEMS,
    START,
    TAGS,
    UTC,
    VIOLENT,
    WEAPON_WORDS,
)
from db.generate.world import World

# The tables an incident batch has rows for, in load order.
BATCH_TABLES = (
    "source",
    "source_media",
    "incident",
    "incident_external_id",
    "incident_source",
    "statement",
    "incident_participant",
)


def publishers(draw: Draw) -> tuple[list[tuple[str, str]], list[float]]:
    """250 news publishers (name, URL slug) and their cumulative Zipf weights."""
    pubs = []
    for _ in range(250):
        name = draw.unique(lambda: f"The {draw.word()} {draw.rng.choice(PUBLISHER_STEMS)}")
        pubs.append((name, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")))
    return pubs, cumulative(zipf_weights(len(pubs), 1.0))


def incident_batches(
    draw: Draw, world: World, n: int, batch: int
) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """``n`` incidents in batches of ``batch``: per batch, rows by table (BATCH_TABLES).

    Lazy: a batch is drawn when asked for, so the caller can load one while the next is
    made. The first batch also draws the publishers.
    """
    r = draw.rng
    rand = r.random
    countries = world.countries
    pubs, pub_cum = publishers(draw)
    lang_codes = [code for code, _ in LANGUAGES]
    lang_cum = cumulative([w for _, w in LANGUAGES])
    ev_cum = cumulative([e[2] for e in EVENTS])
    ev_weapons = [([w for w, _ in e[3]], cumulative([x for _, x in e[3]])) for e in EVENTS]
    base_cum = cumulative([w for _, w in BASE_EVENTS])
    month_len = [calendar.monthrange(y, m)[1] for y, m in MONTHS]
    weekly: dict[tuple[int, int, int], int] = {}  # (country, iso year, week) → source
    loc_ids, loc_cum, loc_info, hosted = (
        world.loc_ids,
        world.loc_cum,
        world.loc_info,
        world.hosted,
    )
    bisect_right = bisect.bisect_right
    roles_other = ("VICTIM", "CLAIMANT", "RESPONDER", "OTHER")
    bases = (
        "REPORTED",
        "REPORTED",
        "REPORTED",
        "CLAIMED",
        "ATTRIBUTED",
        "ALLEGED",
        "CONFIRMED",
    )
    src_kinds = (
        "NEWS_ARTICLE",
        "NEWS_ARTICLE",
        "NEWS_ARTICLE",
        "OFFICIAL_STATEMENT",
        "SOCIAL_MEDIA_POST",
        "PRESS_RELEASE",
    )
    times = [dt.time(h, m) for h in range(24) for m in (0, 15, 30, 45)]
    week = dt.timedelta(days=3)
    tag = draw.tag
    done = 0
    while done < n:
        k = min(batch, n - done)
        done += k
        out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in BATCH_TABLES}
        src_rows = out["source"]
        inc_rows = out["incident"]
        link_rows = out["incident_source"]
        st_rows = out["statement"]
        part_rows = out["incident_participant"]
        ext_rows = out["incident_external_id"]
        media_rows = out["source_media"]
        locs = r.choices(loc_ids, cum_weights=loc_cum, k=k)
        for lid in locs:
            iid = draw.ids.next("incident")
            name, ci, admin1_name, _ = loc_info[lid]
            c = countries[ci]
            mi = bisect_right(c.profile, rand() * c.profile[-1])
            y, m = MONTHS[mi]
            day = dt.date(y, m, int(rand() * month_len[mi]) + 1)
            foreign = hosted.get(lid)
            if foreign is not None and rand() < 0.7:
                ei, _ = BASE_EVENTS[bisect_right(base_cum, rand() * base_cum[-1])]
            else:
                ei = bisect_right(ev_cum, rand() * ev_cum[-1])
            et, st, _, _ = EVENTS[ei]
            wnames, wcum = ev_weapons[ei]
            weapon = wnames[bisect_right(wcum, rand() * wcum[-1])] if len(wnames) > 1 else wnames[0]
            # Date precision.
            p = rand()
            if p < 0.86:
                prec, early, late = "DAY", day, day
            elif p < 0.94:
                prec, early, late = "WEEK", day - week, day + week
                early = max(early, START)
                late = min(late, END)
            elif p < 0.985:
                prec, early, late = "MONTH", day.replace(day=1), day.replace(day=month_len[mi])
            else:
                prec, early, late = "YEAR", dt.date(y, 1, 1), dt.date(y, 12, 31)
            violent = et in VIOLENT
            if violent and rand() < 0.8:
                best = int(r.paretovariate(1.3)) - 1 if rand() < 0.7 else 0
                low = int(best * 0.7)
                high = best + int(best * 0.5 * rand()) + (1 if rand() < 0.2 else 0)
                ib = int(r.paretovariate(1.2)) - 1 if rand() < 0.6 else 0
                injured = (int(ib * 0.6), ib, ib + int(ib * rand()))
            else:
                best = low = high = None  # type: ignore[assignment]
                injured = (None, None, None)  # type: ignore[assignment]
            outcome = "UNKNOWN"
            projectiles = None
            if weapon in ("DRONE", "ROCKET", "MISSILE"):
                projectiles = 1 + int(r.paretovariate(2.0)) - 1
                outcome = (
                    "INTERCEPTED"
                    if st == "DISRUPTED_WEAPONS_USE"
                    else ("STRUCK" if rand() < 0.6 else ("MISSED" if rand() < 0.7 else "FAILED"))
                )
            damage = "UNKNOWN"
            if violent:
                damage = ("NONE", "SOME", "SEVERE", "DESTROYED", "UNKNOWN")[int(rand() * 5)]
            # Participants: 1-4 distinct actors.
            n_part = 1 + (rand() < 0.75) + (rand() < 0.35) + (rand() < 0.15)
            if foreign is not None:
                n_part = max(n_part, 2)
            chosen: list[int] = []
            if foreign is not None:
                chosen.append(foreign[int(rand() * len(foreign))])
            while len(chosen) < n_part:
                if rand() < 0.08:
                    a = world.global_actors[int(rand() * len(world.global_actors))]
                else:
                    a = c.actors[bisect_right(c.actor_cum, rand() * c.actor_cum[-1])]
                if a not in chosen:
                    chosen.append(a)
                elif len(c.actors) < 3:
                    break
            if foreign is not None and len(chosen) > 1:
                # The hosted forces are the target; someone else attacked.
                chosen[0], chosen[1] = chosen[1], chosen[0]
            claimed = violent and rand() < 0.25
            claim_status = "CLAIMED" if claimed else ("UNCLAIMED" if rand() < 0.3 else "UNKNOWN")
            perp = world.actor_names[chosen[0]]
            label = LABELS[st]
            wword = WEAPON_WORDS.get(weapon)
            summary = (
                f"{label}{' (' + wword + ')' if wword else ''} at {name}"
                f"{', ' + admin1_name if admin1_name else ''}, {c.name}: "
                f"{perp} involved"
                f"{'; ' + str(best) + ' killed' if best else ''}."
            )
            notes = None
            if rand() < 0.8:
                notes = "; ".join(r.sample(NOTE_PHRASES, 1 + int(rand() * 3))).capitalize() + "."
            tags = r.sample(TAGS, int(rand() * 3)) if rand() < 0.5 else []
            created_at = dt.datetime(late.year, late.month, late.day, tzinfo=UTC) + dt.timedelta(
                days=1 + int(rand() * 10), minutes=int(rand() * 1440)
            )
            inc_rows.append(
                (
                    iid,
                    day,
                    early,
                    late,
                    times[int(rand() * 96)] if rand() < 0.3 else None,
                    prec,
                    lid,
                    et,
                    st,
                    weapon,
                    projectiles,
                    outcome,
                    claim_status,
                    low,
                    best,
                    high,
                    *injured,
                    damage,
                    None,
                    summary,
                    notes,
                    tags,
                    "DRAFT" if rand() < 0.01 else "PUBLISHED",
                    created_at,
                    created_at,
                )
            )
            if rand() < 0.5:
                ext_rows.append(("acled", f"{c.alpha3}{iid}", iid))
            # Sources: 1-3; some are shared weekly overviews.
            n_src = 1 + (rand() < 0.5) + (rand() < 0.3)
            srcs: list[int] = []
            first_new = None
            for _ in range(n_src):
                if rand() < 0.3:
                    iso = day.isocalendar()
                    key = (ci, iso[0], iso[1])
                    sid = weekly.get(key)
                    if sid is None:
                        sid = draw.ids.next("source")
                        weekly[key] = sid
                        pub_day = dt.date.fromisocalendar(iso[0], iso[1], 7) + dt.timedelta(days=2)
                        src_rows.append(
                            (
                                sid,
                                "REPORT",
                                "Conflict Monitor",
                                f"{c.name}: weekly overview, week {iso[1]} of {iso[0]}",
                                f"https://monitor.example/{tag}/{c.code.lower()}/{iso[0]}-w{iso[1]}",
                                None,
                                dt.datetime(
                                    pub_day.year, pub_day.month, pub_day.day, 9, tzinfo=UTC
                                ),
                                "en",
                                False,
                                "DRAFT" if rand() < 0.01 else "PUBLISHED",
                                created_at,
                                created_at,
                            )
                        )
                else:
                    sid = draw.ids.next("source")
                    pub, slug = pubs[bisect_right(pub_cum, rand() * pub_cum[-1])]
                    lang = lang_codes[bisect_right(lang_cum, rand() * lang_cum[-1])]
                    pub_at = dt.datetime(
                        late.year, late.month, late.day, tzinfo=UTC
                    ) + dt.timedelta(minutes=int(rand() * 4000))
                    src_rows.append(
                        (
                            sid,
                            src_kinds[int(rand() * 6)],
                            pub,
                            f"{label} in {name}",
                            f"https://{slug}.example/{tag}/{sid}",
                            None,
                            pub_at,
                            lang,
                            lang != "en" and rand() < 0.3,
                            "DRAFT" if rand() < 0.01 else "PUBLISHED",
                            created_at,
                            created_at,
                        )
                    )
                    if rand() < 0.1:
                        media_rows.append(
                            (
                                draw.ids.next("source_media"),
                                sid,
                                "PHOTO",
                                f"Aftermath in {name}",
                                pub,
                                None,
                            )
                        )
                    if first_new is None:
                        first_new = sid
                if sid not in srcs:
                    srcs.append(sid)
            for sid in srcs:
                link_rows.append((iid, sid))
            # A claim or an official's account, quoted in a new source.
            statement = None
            if first_new is not None and (claimed or rand() < 0.1):
                statement = draw.ids.next("statement")
                speaker = chosen[0] if claimed else c.gov
                verb = "claimed responsibility for" if claimed else "commented on"
                st_rows.append(
                    (
                        statement,
                        first_new,
                        speaker,
                        world.actor_names[speaker],
                        CHANNELS[int(rand() * len(CHANNELS))],
                        f"{world.actor_names[speaker]} {verb} the {label.lower()} at {name} "
                        f"on {day.isoformat()}.",
                        rand() < 0.4,
                        day,
                        iid,
                    )
                )
            for pos, a in enumerate(chosen):
                if pos == 0:
                    role = "PERPETRATOR" if violent else "OTHER"
                elif pos == 1:
                    role = "TARGET" if violent else "OTHER"
                else:
                    role = roles_other[int(rand() * 4)]
                basis = bases[int(rand() * 7)]
                part_rows.append(
                    (
                        draw.ids.next("incident_participant"),
                        iid,
                        a,
                        role,
                        "CLAIMED" if claimed and pos == 0 else basis,
                        c.gov if basis == "ALLEGED" else None,
                        srcs[0] if rand() < 0.5 else None,
                        statement if claimed and pos == 0 else None,
                    )
                )
                if claimed and pos == 0 and a not in chosen[1:]:
                    part_rows.append(
                        (
                            draw.ids.next("incident_participant"),
                            iid,
                            a,
                            "CLAIMANT",
                            "CLAIMED",
                            None,
                            first_new,
                            statement,
                        )
                    )
        yield out
