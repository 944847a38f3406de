-- The SQL floor for sitrep/count.graphql. $1 event types, $2/$3 the period.
select json_build_object('incidents', json_build_object('totalCount', count(*)))
from incident i
where i.status = 'PUBLISHED' and i.event_type = any($1::text[])
  and i.occurred_on >= $2 and i.date_earliest >= $2
  and i.occurred_on <= $3 and i.date_latest <= $3
