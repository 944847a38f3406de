-- The SQL floor for sitrep/page.graphql. $1 country, $2/$3 the year, $4/$5 the key
-- (occurred_on, id) of page 1's last row for page 2 (null for page 1).
with page as (
  select i.* from incident i
  where i.status = 'PUBLISHED'
    and exists (select 1 from location l where l.id = i.location_id
                and l.status = 'PUBLISHED' and l.country_code = $1)
    and i.occurred_on >= $2 and i.date_earliest >= $2
    and i.occurred_on <= $3 and i.date_latest <= $3
    and ($4::date is null or (i.occurred_on, i.id) > ($4::date, $5::bigint))
  order by i.occurred_on, i.id
  limit 101
)
select json_build_object('incidents', json_build_object(
  'pageInfo', json_build_object('hasNextPage', (select count(*) from page) > 100),
  'edges', coalesce(json_agg(json_build_object('node', json_build_object(
    'id', h.id, 'occurredOn', h.occurred_on, 'eventType', h.event_type,
    'subEventType', h.sub_event_type, 'summary', h.summary,
    'location', (select json_build_object('id', l.id, 'name', l.name,
                   'admin1', json_build_object('code', l.admin1_code, 'name', l.admin1_name))
                 from location l where l.id = h.location_id),
    'participants', (select coalesce(json_agg(json_build_object(
                        'role', p.role,
                        'actor', json_build_object('id', a.id, 'name', a.name, 'kind', a.kind))
                        order by p.role, p.id), '[]')
                     from incident_participant p
                     join actor a on a.id = p.actor_id and a.status = 'PUBLISHED'
                     where p.incident_id = h.id),
    'sources', (select coalesce(json_agg(json_build_object(
                   'id', s.id, 'publisher', s.publisher, 'url', s.url)
                   order by s.published_at nulls last, s.id), '[]')
                from incident_source x
                join source s on s.id = x.source_id and s.status = 'PUBLISHED'
                where x.incident_id = h.id)
  )) order by h.occurred_on, h.id), '[]')))
from (select * from page order by occurred_on, id limit 100) h
