/**
 * Tables and the append function of the PostgreSQL event store. Idempotent, and safe when several processes
 * start at once: the DDL runs under a transaction-scoped advisory lock (two concurrent `create ... if not
 * exists` or `create or replace function` can otherwise fail on the catalog's unique indexes).
 */
import type { Database } from "../db/database.js";

/** Arbitrary constant shared by every process that migrates this schema. */
const SCHEMA_LOCK_KEY = 7_310_452_118;

const DDL = `
create table if not exists eventstore_streams (
  stream_name text primary key,
  -- Revision of the stream's last event; the row lock serialises appends to one stream.
  revision bigint not null
);

create table if not exists eventstore_events (
  -- Commit order: readers only see transactions below the oldest one still running (see readAll).
  transaction_id xid8 not null default pg_current_xact_id(),
  global_position bigserial not null,
  stream_name text not null,
  stream_revision bigint not null,
  event_id uuid not null,
  event_type text not null,
  data jsonb not null,
  metadata jsonb not null,
  recorded_at timestamptz not null default now(),
  primary key (transaction_id, global_position),
  unique (stream_name, stream_revision),
  unique (stream_name, event_id)
);

-- One round trip per append. Outcomes: 'appended', 'appended_before' (every id already in the stream:
-- the original result), 'partly_appended_before' (some ids were, some not) and 'wrong_expected_revision'
-- (revision is then the actual one, null for an absent stream).
create or replace function eventstore_append(p_stream text, p_events jsonb, p_expected text)
returns table (outcome text, revision text, commit_position text, prepare_position text)
language plpgsql as $$
declare
  v_count bigint := jsonb_array_length(p_events);
  v_current bigint;
  v_found bigint;
  v_last_revision bigint;
  v_last_position bigint;
begin
  loop
    select s.revision into v_current from eventstore_streams s where s.stream_name = p_stream for update;
    exit when found;
    if p_expected not in ('any', 'no_stream') then
      return query select 'wrong_expected_revision', null::text, null::text, null::text;
      return;
    end if;
    -- Waits for a concurrent creator of the same stream; either way the next select finds and locks the row.
    insert into eventstore_streams (stream_name, revision) values (p_stream, -1) on conflict do nothing;
  end loop;

  if v_current >= 0 then
    -- One probe of (stream_name, event_id) per event. As a semi-join the planner reads the whole stream
    -- instead, which grows with it (a secret's read stream gains an event per read).
    select count(*), max(found.stream_revision) into v_found, v_last_revision
      from jsonb_array_elements(p_events) x,
      lateral (select e.stream_revision from eventstore_events e
                where e.stream_name = p_stream and e.event_id = (x->>'id')::uuid limit 1) found;
    if v_found = v_count then
      return query select 'appended_before', v_last_revision::text, e.transaction_id::text, e.global_position::text
        from eventstore_events e where e.stream_name = p_stream and e.stream_revision = v_last_revision;
      return;
    elsif v_found > 0 then
      return query select 'partly_appended_before', null::text, null::text, null::text;
      return;
    end if;
  end if;

  if (p_expected = 'no_stream' and v_current >= 0)
     or (p_expected = 'stream_exists' and v_current < 0)
     or (p_expected not in ('any', 'no_stream', 'stream_exists') and p_expected::bigint <> v_current) then
    return query select 'wrong_expected_revision',
      case when v_current < 0 then null else v_current::text end, null::text, null::text;
    return;
  end if;

  with inserted as (
    insert into eventstore_events (stream_name, stream_revision, event_id, event_type, data, metadata)
    select p_stream, v_current + x.ordinality, (x.value->>'id')::uuid, x.value->>'type', x.value->'data',
           coalesce(x.value->'metadata', '{}'::jsonb)
      from jsonb_array_elements(p_events) with ordinality x
      order by x.ordinality
    returning global_position
  )
  select max(global_position) into v_last_position from inserted;

  update eventstore_streams set revision = v_current + v_count where stream_name = p_stream;

  return query select 'appended', (v_current + v_count)::text, pg_current_xact_id()::text, v_last_position::text;
end;
$$;

-- Several fact appends (expected revision "any") in one round trip, one transaction and a few set-wise
-- statements instead of a loop of eventstore_append. Streams are locked in name order, so two batches can
-- never wait on each other in a cycle. A fact whose events are all in their stream already answers as its
-- original append did; one with only some of them is refused ('partly_appended_before'). Every lookup is
-- an index probe per row (scalar or limited subqueries): with joins the planner, which has no idea how
-- few rows a batch holds, would hash whole tables. For the same reason (it guesses a hundred elements per
-- JSON array) it would compile the statement with JIT, which alone costs tens of milliseconds.
create or replace function eventstore_append_facts(p_appends jsonb)
returns table (idx int, outcome text, revision text, commit_position text, prepare_position text)
language plpgsql set jit = off as $$
declare
  -- In name order, creations as well as locks: two batches in flight then always wait in the same order.
  v_streams text[] := array(select distinct a.value->>'stream' from jsonb_array_elements(p_appends) a order by 1);
begin
  insert into eventstore_streams (stream_name, revision)
    select s.name, -1 from unnest(v_streams) with ordinality s(name, n) order by s.n on conflict do nothing;
  perform from eventstore_streams s where s.stream_name = any(v_streams) order by s.stream_name for update;

  return query
  with facts as (
    select (a.ordinality - 1)::int as i, a.value->>'stream' as stream, a.value->'events' as events
      from jsonb_array_elements(p_appends) with ordinality a
  ), wanted as (
    select f.i, f.stream, e.ordinality as n, e.value as ev, (e.value->>'id')::uuid as event_id,
           (select x.stream_revision from eventstore_events x
             where x.stream_name = f.stream and x.event_id = (e.value->>'id')::uuid) as existing_revision
      from facts f, jsonb_array_elements(f.events) with ordinality e
  ), found as (
    select w.i, count(w.existing_revision) as found, max(w.existing_revision) as last_revision
      from wanted w group by w.i having count(w.existing_revision) > 0
  ), numbered as (
    select w.*, (select s.revision from eventstore_streams s where s.stream_name = w.stream)
                + row_number() over (partition by w.stream order by w.i, w.n) as stream_revision
      from wanted w where w.i not in (select found.i from found)
  ), inserted as (
    insert into eventstore_events (stream_name, stream_revision, event_id, event_type, data, metadata)
    select n.stream, n.stream_revision, n.event_id, n.ev->>'type', n.ev->'data', coalesce(n.ev->'metadata', '{}'::jsonb)
      from numbered n order by n.i, n.n
    returning stream_name, stream_revision, transaction_id, global_position
  ), bumped as (
    update eventstore_streams s set revision = m.last
      from (select n.stream, max(n.stream_revision) as last from numbered n group by n.stream) m
      where s.stream_name = any(v_streams) and s.stream_name = m.stream
  )
  select n.i, 'appended', max(n.stream_revision)::text, max(ins.transaction_id::text), max(ins.global_position)::text
    from numbered n join inserted ins on ins.stream_name = n.stream and ins.stream_revision = n.stream_revision
    group by n.i
  union all
  select f.i,
         case when f.found = jsonb_array_length(facts.events) then 'appended_before' else 'partly_appended_before' end,
         f.last_revision::text, x.transaction_id::text, x.global_position::text
    from found f join facts on facts.i = f.i,
    lateral (select e.transaction_id, e.global_position from eventstore_events e
              where e.stream_name = facts.stream and e.stream_revision = f.last_revision limit 1) x;
end;
$$;
`;

export async function migrateEventStoreSchema(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [SCHEMA_LOCK_KEY]);
    await tx.exec(DDL);
  });
}
