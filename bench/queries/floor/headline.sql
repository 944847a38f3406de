-- The SQL floor for sitrep/headline.graphql: one statement that returns the whole
-- answer as JSON (in Sitrep's shape, with integer ids). $1 actor name or alias,
-- $2/$3 the week.
with host as (
  select a.id from actor a
  where a.status = 'PUBLISHED'
    and a.id in (select id from actor where lower(name) = lower($1)
                 union select actor_id from actor_alias where lower(alias) = lower($1))
), hits as (
  select i.* from incident i
  join location l on l.id = i.location_id and l.status = 'PUBLISHED'
  where i.status = 'PUBLISHED' and i.weapon = 'DRONE'
    and i.occurred_on >= $2 and i.date_earliest >= $2
    and i.occurred_on <= $3 and i.date_latest <= $3
    and exists (select 1 from deployment d
                where d.location_id = l.id and d.status = 'PUBLISHED'
                  and d.actor_id in (select id from host)
                  and (d.valid_from is null or d.valid_from <= i.occurred_on)
                  and (d.valid_to is null or d.valid_to >= i.occurred_on))
  order by i.occurred_on, i.id
  limit 100
)
select json_build_object('incidents', json_build_object('edges', coalesce(json_agg(
  json_build_object('node', json_build_object(
    'id', h.id, 'occurredOn', h.occurred_on, 'subEventType', h.sub_event_type,
    'outcome', h.outcome, 'summary', h.summary,
    'killed', json_build_object('best', h.killed_best),
    'location', (select json_build_object('id', l.id, 'name', l.name, 'kind', l.kind,
                   'country', json_build_object('code', l.country_code),
                   'admin1', json_build_object('code', l.admin1_code))
                 from location l where l.id = h.location_id),
    'participants', (select coalesce(json_agg(json_build_object(
                        'role', p.role, 'actor', json_build_object('id', a.id, 'name', a.name))
                        order by p.role, p.id), '[]')
                     from incident_participant p
                     join actor a on a.id = p.actor_id and a.status = 'PUBLISHED'
                     where p.incident_id = h.id),
    'sources', (select coalesce(json_agg(json_build_object(
                   'id', s.id, 'publisher', s.publisher, 'title', s.title, 'url', s.url)
                   order by s.published_at nulls last, s.id), '[]')
                from incident_source x
                join source s on s.id = x.source_id and s.status = 'PUBLISHED'
                where x.incident_id = h.id)
  )) order by h.occurred_on, h.id), '[]')))
from hits h
