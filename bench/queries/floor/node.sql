-- The SQL floor for sitrep/node.graphql. $1 incident id.
select json_build_object('node', (
select json_build_object(
  'id', i.id, 'occurredOn', i.occurred_on, 'dateEarliest', i.date_earliest,
  'dateLatest', i.date_latest, 'occurredTime', i.occurred_time,
  'timePrecision', i.time_precision, 'eventType', i.event_type,
  'subEventType', i.sub_event_type, 'weapon', i.weapon, 'projectileCount', i.projectile_count,
  'outcome', i.outcome, 'claimStatus', i.claim_status, 'damage', i.damage,
  'damageDescription', i.damage_description, 'summary', i.summary, 'notes', i.notes,
  'tags', i.tags, 'status', i.status, 'version', i.version, 'createdAt', i.created_at,
  'updatedAt', i.updated_at,
  'killed', json_build_object('low', i.killed_low, 'best', i.killed_best, 'high', i.killed_high),
  'injured', json_build_object('low', i.injured_low, 'best', i.injured_best,
                               'high', i.injured_high),
  'externalIds', (select coalesce(json_agg(json_build_object('system', e.system,
                    'id', e.external_id) order by e.system, e.external_id), '[]')
                  from incident_external_id e where e.incident_id = i.id),
  'location', (select json_build_object(
      'id', l.id, 'name', l.name, 'kind', l.kind, 'geoPrecision', l.geo_precision,
      'precisionKm', l.precision_km,
      'aliases', (select coalesce(json_agg(la.alias order by la.alias), '[]')
                  from location_alias la where la.location_id = l.id),
      'coordinates', json_build_object('latitude', l.latitude, 'longitude', l.longitude),
      'country', json_build_object('code', l.country_code),
      'admin1', json_build_object('code', l.admin1_code, 'name', l.admin1_name),
      'admin2', l.admin2_name,
      'parent', (select json_build_object('id', pl.id, 'name', pl.name) from location pl
                 where pl.id = l.parent_id and pl.status = 'PUBLISHED'))
    from location l where l.id = i.location_id and l.status = 'PUBLISHED'),
  'participants', (select coalesce(json_agg(json_build_object(
      'role', p.role, 'basis', p.basis, 'note', p.note,
      'actor', json_build_object('id', a.id, 'name', a.name, 'kind', a.kind,
        'country', json_build_object('code', a.country_code),
        'aliases', (select coalesce(json_agg(aa.alias order by aa.alias), '[]')
                    from actor_alias aa where aa.actor_id = a.id)),
      'attributedBy', (select json_build_object('id', b.id, 'name', b.name) from actor b
                       where b.id = p.attributed_by_actor_id and b.status = 'PUBLISHED'),
      'source', (select json_build_object('id', s.id) from source s
                 where s.id = p.source_id and s.status = 'PUBLISHED'),
      'statement', case when p.statement_id is null then null
                        else json_build_object('id', p.statement_id) end
    ) order by p.role, p.id), '[]')
    from incident_participant p join actor a on a.id = p.actor_id and a.status = 'PUBLISHED'
    where p.incident_id = i.id),
  'sources', (select coalesce(json_agg(json_build_object(
      'id', s.id, 'kind', s.kind, 'publisher', s.publisher, 'title', s.title, 'url', s.url,
      'author', s.author, 'publishedAt', s.published_at, 'language', s.language,
      'machineTranslated', s.machine_translated,
      'media', (select coalesce(json_agg(json_build_object('kind', m.kind,
                  'caption', m.caption, 'credit', m.credit, 'url', m.url) order by m.id), '[]')
                from source_media m where m.source_id = s.id)
    ) order by s.published_at nulls last, s.id), '[]')
    from incident_source x join source s on s.id = x.source_id and s.status = 'PUBLISHED'
    where x.incident_id = i.id),
  'statements', (select coalesce(json_agg(json_build_object(
      'id', st.id, 'text', st.text, 'speakerName', st.speaker_name, 'channel', st.channel,
      'isQuote', st.is_quote, 'statedOn', st.stated_on,
      'speaker', (select json_build_object('id', a.id, 'name', a.name) from actor a
                  where a.id = st.speaker_actor_id and a.status = 'PUBLISHED')
    ) order by st.id), '[]')
    from statement st join source s on s.id = st.source_id and s.status = 'PUBLISHED'
    where st.incident_id = i.id)
)
from incident i where i.id = $1 and i.status = 'PUBLISHED'))
