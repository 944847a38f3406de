-- The SQL floor for sitrep/deep.graphql. $1 actor id, $2 relation kinds.
with inc as (
  select i.id, i.occurred_on from incident i
  where i.status = 'PUBLISHED'
    and i.id in (select incident_id from incident_participant where actor_id = $1)
  order by i.occurred_on desc, i.id desc
  limit 20
)
select json_build_object('actor', (
  select json_build_object('id', a.id, 'name', a.name, 'incidents', json_build_object(
    'edges', (select coalesce(json_agg(json_build_object('node', json_build_object(
      'id', inc.id, 'occurredOn', inc.occurred_on,
      'participants', (
        select coalesce(json_agg(json_build_object('role', p.role, 'actor', json_build_object(
          'id', pa.id, 'name', pa.name,
          'relations', (
            select coalesce(json_agg(json_build_object(
              'id', r.id, 'kind', r.kind,
              'subject', json_build_object('id', sa.id, 'name', sa.name),
              'object', json_build_object('id', oa.id, 'name', oa.name)) order by r.id), '[]')
            from actor_relation r
            join actor sa on sa.id = r.subject_actor_id and sa.status = 'PUBLISHED'
            join actor oa on oa.id = r.object_actor_id and oa.status = 'PUBLISHED'
            where (r.subject_actor_id = pa.id or r.object_actor_id = pa.id)
              and r.status = 'PUBLISHED' and r.kind = any($2::text[]))
        )) order by p.role, p.id), '[]')
        from incident_participant p
        join actor pa on pa.id = p.actor_id and pa.status = 'PUBLISHED'
        where p.incident_id = inc.id)
    )) order by inc.occurred_on desc, inc.id desc), '[]') from inc)))
  from actor a where a.id = $1 and a.status = 'PUBLISHED'))
