"""Load the demo dataset (``db.demo_data``) into the database, idempotently.

Every write is parameterised and conditional: a row is inserted when missing and updated
only when one of its fields differs (``is distinct from``), so a second run changes
nothing, bumps no ``updated_at`` and no ``version``. Natural keys:

* source: ``url`` (unique); a source without URL by ``(publisher, title)`` with null URL
* source_media: ``(source_id, kind, caption)``
* actor, location: exact ``name`` (the lowest id if several rows share it);
  aliases by their primary key ``(owner id, alias)``
* actor_relation: ``(subject, kind, object, coalesce(valid_from, '-infinity'))``
* deployment: ``(location, actor, coalesce(valid_from, '-infinity'))``
* incident: ``incident_external_id`` ``(system, external_id)``
* incident_source, actor_relation_source, deployment_source: their primary keys
* incident_participant: ``(incident_id, actor_id, role)``
* statement: ``(source_id, md5(text))``

Rows that exist in the database but not in the dataset are left alone.

The load is one writing transaction (a savepoint inside an open one), and it records its
changes in the change log like every writer: the image of each record it touches is
taken before its first write, and each record that was created or whose image differs at
the end gets a CREATE or UPDATE entry. So the ``changes`` feed of a fresh demo server
replays to the demo data, and a second run records nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from db import changelog
from db import demo_data as d
from db.core import Db
from db.images import snapshot
from db.model import ENTITIES
from db.transaction import Tx, transaction
from db.viewer import Viewer

# Who the change log says wrote the demo data.
LOADER = Viewer(can_see_drafts=True, role="admin", name="sitrep demo load")


def _affected(status: str) -> int:
    """The row count of a command tag such as ``INSERT 0 1`` or ``UPDATE 1``."""
    return int(status.rsplit(" ", 1)[-1])


class _Loader:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.db = tx.db
        self.changed: Counter[str] = Counter(dict.fromkeys(d.demo_counts(), 0))
        # entity → id → the record's image before this load (None: created by it)
        self.befores: dict[str, dict[int, dict[str, Any] | None]] = {}
        self.actors: dict[str, int] = {}
        self.locations: dict[str, int] = {}
        self.sources: dict[str, int] = {}
        self.incidents: dict[str, int] = {}
        self.statements: dict[str, int] = {}

    async def run(self) -> dict[str, int]:
        for source in d.SOURCES:
            await self.source(source)
        for actor in d.ACTORS:
            await self.actor(actor)
        for relation in d.RELATIONS:
            await self.relation(relation)
        for location in d.LOCATIONS:
            await self.location(location)
        for deployment in d.DEPLOYMENTS:
            await self.deployment(deployment)
        for incident in d.INCIDENTS:
            await self.incident(incident)
        for statement in d.STATEMENTS:
            await self.statement(statement)
        for incident in d.INCIDENTS:
            for participant in incident.participants:
                await self.participant(self.incidents[incident.external_id], participant)
        await changelog.record_differences(self.tx, self.befores)
        return dict(self.changed)

    # --- helpers ------------------------------------------------------------------

    async def _existing(self, entity: str, pk: int) -> int:
        """Keep the image of a record found by its natural key, before the first write
        to it or its parts."""
        images = self.befores.setdefault(entity, {})
        if pk not in images:
            images[pk] = await snapshot(self.db, entity, pk)
        return pk

    def _created(self, entity: str, pk: int) -> int:
        self.befores.setdefault(entity, {})[pk] = None
        self.changed[ENTITIES[entity].table] += 1
        return pk

    async def _write(self, table: str, sql: str, *args: Any) -> None:
        """Run an insert/update whose row count is the number of rows changed."""
        self.changed[table] += _affected(await self.db.execute(sql, *args))

    async def _upsert(
        self, entity: str, upsert: str, args: list[Any], lookup: str, lookup_args: list[Any]
    ) -> int:
        """``lookup`` the record by its natural key, then ``upsert`` it; the upsert returns
        the id only when it inserted or updated (an ``on conflict ... do update ...
        where`` that skips the update returns no row)."""
        existing = await self.db.fetchval(lookup, *lookup_args)
        if existing is not None:
            await self._existing(entity, int(existing))
        row_id = await self.db.fetchval(upsert, *args)
        if existing is None:
            assert row_id is not None, (entity, lookup_args)
            return self._created(entity, int(row_id))
        if row_id is not None:
            self.changed[ENTITIES[entity].table] += 1
        return int(existing)

    async def _by_name(self, entity: str, name: str, columns: list[str], values: list[Any]) -> int:
        """Find the record by exact name; insert it, or update it where it differs."""
        table = ENTITIES[entity].table
        existing = await self.db.fetchval(
            f"select id from {table} where name = $1 order by id limit 1", name
        )
        cols = ", ".join(columns)
        if existing is None:
            placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 2))
            row_id = await self.db.fetchval(
                f"insert into {table} (name, {cols}) values ({placeholders}) returning id",
                name,
                *values,
            )
            return self._created(entity, int(row_id))
        await self._existing(entity, int(existing))
        params = [f"${i}" for i in range(2, len(columns) + 2)]
        assignments = ", ".join(f"{c} = {p}" for c, p in zip(columns, params, strict=True))
        await self._write(
            table,
            f"update {table} set {assignments}, version = version + 1 "
            f"where id = $1 and ({cols}) is distinct from ({', '.join(params)})",
            existing,
            *values,
        )
        return int(existing)

    async def _aliases(
        self, table: str, owner: str, owner_id: int, aliases: tuple[str, ...]
    ) -> None:
        for alias in aliases:
            await self._write(
                table,
                f"insert into {table} ({owner}, alias) values ($1, $2) on conflict do nothing",
                owner_id,
                alias,
            )

    async def _link(
        self, table: str, owner: str, owner_id: int, source_keys: tuple[str, ...]
    ) -> None:
        for key in source_keys:
            await self._write(
                table,
                f"insert into {table} ({owner}, source_id) values ($1, $2) on conflict do nothing",
                owner_id,
                self.sources[key],
            )

    def _actor(self, name: str | None) -> int | None:
        return None if name is None else self.actors[name]

    # --- sources ------------------------------------------------------------------

    async def source(self, s: d.SourceData) -> None:
        values = [
            s.kind,
            s.publisher,
            s.title,
            s.url,
            s.author,
            s.published_at,
            s.revised_at,
            s.language,
            s.machine_translated,
            s.note,
        ]
        cols = (
            "kind, publisher, title, url, author, published_at, revised_at, language, "
            "machine_translated, note"
        )
        if s.url is not None:
            source_id = await self._upsert(
                "Source",
                f"insert into source ({cols}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                "on conflict (url) do update set kind = excluded.kind, "
                "publisher = excluded.publisher, title = excluded.title, "
                "author = excluded.author, published_at = excluded.published_at, "
                "revised_at = excluded.revised_at, language = excluded.language, "
                "machine_translated = excluded.machine_translated, note = excluded.note, "
                "version = source.version + 1 "
                "where (source.kind, source.publisher, source.title, source.author, "
                "source.published_at, source.revised_at, source.language, "
                "source.machine_translated, source.note) is distinct from (excluded.kind, "
                "excluded.publisher, excluded.title, excluded.author, excluded.published_at, "
                "excluded.revised_at, excluded.language, excluded.machine_translated, "
                "excluded.note) "
                "returning id",
                values,
                "select id from source where url = $1",
                [s.url],
            )
        else:
            existing = await self.db.fetchval(
                "select id from source where url is null and publisher = $1 "
                "and title is not distinct from $2 order by id limit 1",
                s.publisher,
                s.title,
            )
            if existing is None:
                row_id = await self.db.fetchval(
                    f"insert into source ({cols}) "
                    "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
                    *values,
                )
                source_id = self._created("Source", int(row_id))
            else:
                source_id = await self._existing("Source", int(existing))
                await self._write(
                    "source",
                    "update source set kind = $2, author = $3, published_at = $4, "
                    "revised_at = $5, language = $6, machine_translated = $7, note = $8, "
                    "version = version + 1 where id = $1 and (kind, author, published_at, "
                    "revised_at, language, machine_translated, note) is distinct from "
                    "($2, $3, $4, $5, $6, $7, $8)",
                    source_id,
                    s.kind,
                    s.author,
                    s.published_at,
                    s.revised_at,
                    s.language,
                    s.machine_translated,
                    s.note,
                )
        self.sources[s.key] = source_id
        for media in s.media:
            await self.media(source_id, media)

    async def media(self, source_id: int, m: d.MediaData) -> None:
        existing = await self.db.fetchval(
            "select id from source_media where source_id = $1 and kind = $2 "
            "and caption is not distinct from $3 order by id limit 1",
            source_id,
            m.kind,
            m.caption,
        )
        if existing is None:
            await self._write(
                "source_media",
                "insert into source_media (source_id, kind, caption, credit, url) "
                "values ($1, $2, $3, $4, $5)",
                source_id,
                m.kind,
                m.caption,
                m.credit,
                m.url,
            )
        else:
            await self._write(
                "source_media",
                "update source_media set credit = $2, url = $3 "
                "where id = $1 and (credit, url) is distinct from ($2, $3)",
                existing,
                m.credit,
                m.url,
            )

    # --- actors -------------------------------------------------------------------

    async def actor(self, a: d.ActorData) -> None:
        actor_id = await self._by_name(
            "Actor",
            a.name,
            ["kind", "country_code", "description"],
            [a.kind, a.country_code, a.description],
        )
        self.actors[a.name] = actor_id
        await self._aliases("actor_alias", "actor_id", actor_id, a.aliases)

    async def relation(self, r: d.RelationData) -> None:
        subject, obj = self.actors[r.subject], self.actors[r.object]
        relation_id = await self._upsert(
            "ActorRelation",
            "insert into actor_relation (subject_actor_id, kind, object_actor_id, basis, "
            "asserted_by_actor_id, valid_from, valid_to, note) "
            "values ($1, $2, $3, $4, $5, $6, $7, $8) "
            "on conflict (subject_actor_id, kind, object_actor_id, "
            "coalesce(valid_from, '-infinity'::date)) do update set basis = excluded.basis, "
            "asserted_by_actor_id = excluded.asserted_by_actor_id, "
            "valid_to = excluded.valid_to, note = excluded.note, "
            "version = actor_relation.version + 1 "
            "where (actor_relation.basis, actor_relation.asserted_by_actor_id, "
            "actor_relation.valid_to, actor_relation.note) is distinct from "
            "(excluded.basis, excluded.asserted_by_actor_id, excluded.valid_to, excluded.note) "
            "returning id",
            [
                subject,
                r.kind,
                obj,
                r.basis,
                self._actor(r.asserted_by),
                r.valid_from,
                r.valid_to,
                r.note,
            ],
            "select id from actor_relation where subject_actor_id = $1 and kind = $2 "
            "and object_actor_id = $3 "
            "and coalesce(valid_from, '-infinity'::date) = coalesce($4::date, '-infinity'::date)",
            [subject, r.kind, obj, r.valid_from],
        )
        await self._link("actor_relation_source", "relation_id", relation_id, r.sources)

    # --- locations ----------------------------------------------------------------

    async def location(self, loc: d.LocationData) -> None:
        location_id = await self._by_name(
            "Location",
            loc.name,
            [
                "kind",
                "latitude",
                "longitude",
                "geo_precision",
                "precision_km",
                "country_code",
                "admin1_code",
                "admin1_name",
                "admin2_name",
                "parent_id",
                "description",
            ],
            [
                loc.kind,
                loc.latitude,
                loc.longitude,
                loc.geo_precision,
                loc.precision_km,
                loc.country_code,
                loc.admin1_code,
                loc.admin1_name,
                loc.admin2_name,
                None if loc.parent is None else self.locations[loc.parent],
                loc.description,
            ],
        )
        self.locations[loc.name] = location_id
        await self._aliases("location_alias", "location_id", location_id, loc.aliases)

    async def deployment(self, dep: d.DeploymentData) -> None:
        location_id, actor_id = self.locations[dep.location], self.actors[dep.actor]
        deployment_id = await self._upsert(
            "Deployment",
            "insert into deployment (location_id, actor_id, valid_from, valid_to, strength, "
            "strength_note, mission, note) values ($1, $2, $3, $4, $5, $6, $7, $8) "
            "on conflict (location_id, actor_id, coalesce(valid_from, '-infinity'::date)) "
            "do update set valid_to = excluded.valid_to, strength = excluded.strength, "
            "strength_note = excluded.strength_note, mission = excluded.mission, "
            "note = excluded.note, version = deployment.version + 1 "
            "where (deployment.valid_to, deployment.strength, deployment.strength_note, "
            "deployment.mission, deployment.note) is distinct from (excluded.valid_to, "
            "excluded.strength, excluded.strength_note, excluded.mission, excluded.note) "
            "returning id",
            [
                location_id,
                actor_id,
                dep.valid_from,
                dep.valid_to,
                dep.strength,
                dep.strength_note,
                dep.mission,
                dep.note,
            ],
            "select id from deployment where location_id = $1 and actor_id = $2 "
            "and coalesce(valid_from, '-infinity'::date) = coalesce($3::date, '-infinity'::date)",
            [location_id, actor_id, dep.valid_from],
        )
        await self._link("deployment_source", "deployment_id", deployment_id, dep.sources)

    # --- incidents ----------------------------------------------------------------

    async def incident(self, i: d.IncidentData) -> None:
        killed = i.killed or (None, None, None)
        injured = i.injured or (None, None, None)
        columns = [
            "occurred_on",
            "date_earliest",
            "date_latest",
            "time_precision",
            "location_id",
            "event_type",
            "sub_event_type",
            "weapon",
            "projectile_count",
            "outcome",
            "claim_status",
            "killed_low",
            "killed_best",
            "killed_high",
            "injured_low",
            "injured_best",
            "injured_high",
            "damage",
            "damage_description",
            "summary",
            "notes",
            "tags",
        ]
        values = [
            i.occurred_on,
            i.date_earliest,
            i.date_latest,
            i.time_precision,
            self.locations[i.location],
            i.event_type,
            i.sub_event_type,
            i.weapon,
            i.projectile_count,
            i.outcome,
            i.claim_status,
            *killed,
            *injured,
            i.damage,
            i.damage_description,
            i.summary,
            i.notes,
            list(i.tags),
        ]
        cols = ", ".join(columns)
        existing = await self.db.fetchval(
            "select incident_id from incident_external_id where system = $1 and external_id = $2",
            d.EXTERNAL_ID_SYSTEM,
            i.external_id,
        )
        if existing is None:
            placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
            row_id = await self.db.fetchval(
                f"insert into incident ({cols}) values ({placeholders}) returning id", *values
            )
            incident_id = self._created("Incident", int(row_id))
            await self._write(
                "incident_external_id",
                "insert into incident_external_id (system, external_id, incident_id) "
                "values ($1, $2, $3) on conflict do nothing",
                d.EXTERNAL_ID_SYSTEM,
                i.external_id,
                incident_id,
            )
        else:
            incident_id = await self._existing("Incident", int(existing))
            params = [f"${n}" for n in range(2, len(columns) + 2)]
            assignments = ", ".join(f"{c} = {p}" for c, p in zip(columns, params, strict=True))
            await self._write(
                "incident",
                f"update incident set {assignments}, version = version + 1 "
                f"where id = $1 and ({cols}) is distinct from ({', '.join(params)})",
                incident_id,
                *values,
            )
        self.incidents[i.external_id] = incident_id
        for key in i.sources:
            await self._write(
                "incident_source",
                "insert into incident_source (incident_id, source_id, note) values ($1, $2, $3) "
                "on conflict (incident_id, source_id) do update set note = excluded.note "
                "where incident_source.note is distinct from excluded.note",
                incident_id,
                self.sources[key],
                i.source_note,
            )

    async def participant(self, incident_id: int, p: d.ParticipantData) -> None:
        await self._write(
            "incident_participant",
            "insert into incident_participant (incident_id, actor_id, role, basis, "
            "attributed_by_actor_id, source_id, statement_id, note) "
            "values ($1, $2, $3, $4, $5, $6, $7, $8) "
            "on conflict (incident_id, actor_id, role) do update set basis = excluded.basis, "
            "attributed_by_actor_id = excluded.attributed_by_actor_id, "
            "source_id = excluded.source_id, statement_id = excluded.statement_id, "
            "note = excluded.note "
            "where (incident_participant.basis, incident_participant.attributed_by_actor_id, "
            "incident_participant.source_id, incident_participant.statement_id, "
            "incident_participant.note) is distinct from (excluded.basis, "
            "excluded.attributed_by_actor_id, excluded.source_id, excluded.statement_id, "
            "excluded.note)",
            incident_id,
            self.actors[p.actor],
            p.role,
            p.basis,
            self._actor(p.attributed_by),
            None if p.source is None else self.sources[p.source],
            None if p.statement is None else self.statements[p.statement],
            p.note,
        )

    # --- statements ---------------------------------------------------------------

    async def statement(self, s: d.StatementData) -> None:
        source_id = self.sources[s.source]
        self.statements[s.key] = await self._upsert(
            "Statement",
            "insert into statement (source_id, speaker_actor_id, speaker_name, channel, text, "
            "is_quote, stated_on, incident_id) values ($1, $2, $3, $4, $5, $6, $7, $8) "
            "on conflict (source_id, md5(text)) do update set "
            "speaker_actor_id = excluded.speaker_actor_id, "
            "speaker_name = excluded.speaker_name, channel = excluded.channel, "
            "is_quote = excluded.is_quote, stated_on = excluded.stated_on, "
            "incident_id = excluded.incident_id "
            "where (statement.speaker_actor_id, statement.speaker_name, statement.channel, "
            "statement.is_quote, statement.stated_on, statement.incident_id) "
            "is distinct from (excluded.speaker_actor_id, excluded.speaker_name, "
            "excluded.channel, excluded.is_quote, excluded.stated_on, excluded.incident_id) "
            "returning id",
            [
                source_id,
                self._actor(s.speaker_actor),
                s.speaker_name,
                s.channel,
                s.text,
                s.is_quote,
                s.stated_on,
                None if s.incident is None else self.incidents[s.incident],
            ],
            "select id from statement where source_id = $1 and md5(text) = md5($2::text)",
            [source_id, s.text],
        )


async def load_demo(db: Db) -> dict[str, int]:
    """Write the demo dataset in one transaction; return the rows inserted or updated per
    table.

    A second run returns all zeros and records no change. The dataset's own size per
    table is ``db.demo_data.demo_counts()``.
    """
    async with transaction(db, LOADER) as tx:
        return await _Loader(tx).run()
