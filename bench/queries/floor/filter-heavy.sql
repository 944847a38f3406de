-- The SQL floor for sitrep/filter-heavy.graphql. $1 text, $2 minimum killed.
with hits as (
  select i.* from incident i
  where i.status = 'PUBLISHED'
    and (coalesce(i.summary, '') || ' ' || coalesce(i.notes, '')) ilike '%' || $1 || '%'
    and i.killed_best >= $2
    and (i.event_type = 'EXPLOSIONS_REMOTE_VIOLENCE'
         or (i.event_type = 'BATTLES' and i.weapon in ('ARTILLERY', 'SMALL_ARMS')))
    and not (i.claim_status = 'UNCLAIMED')
  order by i.occurred_on desc, i.id desc
  limit 50
)
select json_build_object('incidents', json_build_object('edges', coalesce(json_agg(
  json_build_object('node', json_build_object(
    'id', h.id, 'occurredOn', h.occurred_on, 'eventType', h.event_type, 'weapon', h.weapon,
    'claimStatus', h.claim_status, 'summary', h.summary,
    'killed', json_build_object('best', h.killed_best),
    'location', (select json_build_object('id', l.id, 'name', l.name)
                 from location l where l.id = h.location_id and l.status = 'PUBLISHED')
  )) order by h.occurred_on desc, h.id desc), '[]')))
from hits h
