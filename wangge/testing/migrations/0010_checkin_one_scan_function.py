"""On PostgreSQL, `testing_check_in_one(...)`: the common single scan (someone due, into the open
tube of their table, or a tube named for the first time, which it opens, sealing the table's
other tubes that hold people) read, checked and stored by the database in one call. For anything
else it writes nothing (it returns no row, or raises SQLSTATE 22W01 to undo what it wrote), and
the check-in's Python then decides as always (wangge/testing/checkin/services.py, `check_in_one`;
the tests hold the two to the same rows)."""

from django.db import migrations

# %% is a literal % (the statement goes through the driver with parameters).
FUNCTION = """
-- Once the call has written anything, a scan it cannot store leaves nothing behind: this error
-- undoes the whole call, and the Python way catches it (SQLSTATE 22W01, a data exception) and
-- decides as always.
CREATE OR REPLACE FUNCTION testing_check_in_declined() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'check-in declined after a write' USING ERRCODE = '22W01';
END
$$;
CREATE OR REPLACE FUNCTION testing_check_in_one(
    p_site_id bigint, p_scope text, p_table_no integer, p_actor_id bigint, p_actor_name text,
    p_client_id uuid, p_barcode text, p_person_id bigint, p_code_version integer,
    p_id_type text, p_id_number text, p_method text, p_scanned_at timestamptz,
    p_scanned_hour timestamptz, p_now timestamptz, p_now_hour timestamptz, p_slack interval,
    p_shard integer, p_channel text, p_request_id text, p_capacity integer, p_pool_sizes integer[]
) RETURNS TABLE (person_name text, id_number text, barcode text, filled integer, capacity integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s record; t record; p record; d record;
    v_at timestamptz; v_hour timestamptz; v_sample bigint;
    v_capacity integer; v_created boolean := false;
BEGIN
    -- Reads first: nothing is written until the site, the person and the tube are as expected.
    SELECT si.id, si.round_id, si.tables, si.path, si.pool_size, r.status, r.starts_at,
           r.default_pool_size INTO s
      FROM testing_site si JOIN testing_round r ON r.id = si.round_id
     WHERE si.id = p_site_id AND si.path LIKE p_scope || '%%';
    IF NOT FOUND OR s.status <> 'open' OR p_table_no < 1 OR p_table_no > greatest(s.tables, 1) THEN
        RETURN;
    END IF;
    IF p_person_id IS NOT NULL THEN
        SELECT pe.id, pe.name, pe.id_number, pe.path, pe.code_version, pe.merged_into_id, pe.is_active INTO p
          FROM registry_person pe WHERE pe.id = p_person_id AND pe.path LIKE p_scope || '%%';
        IF NOT FOUND OR p.code_version <> p_code_version OR p.merged_into_id IS NOT NULL OR NOT p.is_active THEN
            RETURN;
        END IF;
    ELSE
        -- One read: the person, and how many active people carry that document in scope.
        SELECT pe.id, pe.name, pe.id_number, pe.path, count(*) OVER () AS matches INTO p
          FROM registry_person pe
         WHERE pe.id_number = p_id_number AND pe.id_type = p_id_type AND pe.is_active
           AND pe.path LIKE p_scope || '%%'
         LIMIT 1;
        IF NOT FOUND OR p.matches <> 1 THEN
            RETURN;  -- no one, or two people with that document: the Python way says which
        END IF;
    END IF;
    -- Writes, locking in the order of the batch check-in: the tube, then the Due row.
    UPDATE testing_tube tu SET filled = tu.filled + 1
     WHERE tu.round_id = s.round_id AND tu.barcode = p_barcode AND tu.site_id = s.id
       AND tu.table_no = p_table_no AND tu.status = 'open' AND tu.kind <> 'retest'
       AND tu.filled < tu.capacity
    RETURNING tu.id, tu.capacity, tu.filled, tu.path, tu.barcode INTO t;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM testing_tube tu WHERE tu.round_id = s.round_id AND tu.barcode = p_barcode) THEN
            RETURN;  -- of another table, sealed, full or a re-test tube: the Python way says which
        END IF;
        -- Named for the first time: opened at this table, as the batch check-in opens it.
        v_capacity := coalesce(
            CASE WHEN p_capacity = ANY(p_pool_sizes) THEN p_capacity END,
            nullif(s.pool_size, 0), s.default_pool_size);
        INSERT INTO testing_tube (round_id, barcode, site_id, table_no, kind, capacity, filled, status,
                                  opened_by_id, opened_at, result, result_conflict, path)
        VALUES (s.round_id, p_barcode, s.id, p_table_no,
                CASE WHEN v_capacity = 1 THEN 'single' ELSE 'pool' END, v_capacity, 1, 'open',
                p_actor_id, p_now, '', false, s.path)
        ON CONFLICT DO NOTHING
        RETURNING id, capacity, filled, path, barcode INTO t;
        IF NOT FOUND THEN
            RETURN;  -- another request is opening it at this instant
        END IF;
        v_created := true;
    END IF;
    UPDATE testing_due du SET status = 'tested', tested_at = p_now
     WHERE du.round_id = s.round_id AND du.person_id = p.id AND du.status = 'due'
    RETURNING du.id, du.grid_id, du.path INTO d;
    IF NOT FOUND THEN
        PERFORM testing_check_in_declined();  -- sampled, exempt or not due: undo the tube's count
    END IF;
    v_at := p_scanned_at;
    v_hour := p_scanned_hour;
    IF v_at IS NULL OR v_at < s.starts_at - interval '1 day' OR v_at > p_now + p_slack THEN
        v_at := p_now;
        v_hour := p_now_hour;
    END IF;
    INSERT INTO testing_sample (client_id, round_id, tube_id, person_id, due_id, site_id, table_no,
                                is_retest, method, scanned_at, received_at, registrar_id,
                                removed_reason, path)
    VALUES (p_client_id, s.round_id, t.id, p.id, d.id, s.id, p_table_no, false, p_method, v_at,
            p_now, p_actor_id, '', p.path)
    ON CONFLICT DO NOTHING RETURNING id INTO v_sample;
    IF v_sample IS NULL THEN
        PERFORM testing_check_in_declined();  -- a replay, or this person stored meanwhile elsewhere
    END IF;
    INSERT INTO testing_coveragecounter (round_id, grid_id, path, shard, due, tested, exempt,
                                         resulted, positive, retest)
    VALUES (s.round_id, d.grid_id, d.path, p_shard, 0, 1, 0, 0, 0, 0)
    ON CONFLICT (round_id, grid_id, shard) DO UPDATE SET tested = testing_coveragecounter.tested + 1;
    INSERT INTO testing_throughputcounter (round_id, site_id, table_no, hour, samples)
    VALUES (s.round_id, s.id, p_table_no, v_hour, 1)
    ON CONFLICT (round_id, site_id, table_no, hour)
    DO UPDATE SET samples = testing_throughputcounter.samples + 1;
    INSERT INTO audit_auditevent (at, actor_id, actor_name, action, model, object_id, object_repr,
                                  path, before, after, channel, request_id)
    VALUES (p_now, p_actor_id, p_actor_name, 'update', 'testing.tube', t.id::text,
            left(t.barcode, 200), t.path, NULL,
            jsonb_build_object('added', jsonb_build_array(p_client_id::text), 'filled', t.filled),
            p_channel, p_request_id);
    IF v_created THEN
        -- One open tube per table: the tubes it replaces are sealed, as the batch check-in does.
        WITH sealed AS (
            UPDATE testing_tube SET status = 'sealed', sealed_at = p_now
             WHERE id IN (SELECT o.id FROM testing_tube o
                           WHERE o.round_id = s.round_id AND o.site_id = s.id AND o.table_no = p_table_no
                             AND o.status = 'open' AND o.filled > 0 AND o.id <> t.id
                           ORDER BY o.id FOR UPDATE)
            RETURNING id, barcode, filled, path
        )
        INSERT INTO audit_auditevent (at, actor_id, actor_name, action, model, object_id, object_repr,
                                      path, before, after, channel, request_id)
        SELECT p_now, p_actor_id, p_actor_name, 'close', 'testing.tube', sealed.id::text,
               left(sealed.barcode, 200), sealed.path, NULL,
               jsonb_build_object('status', 'sealed', 'filled', sealed.filled,
                                  'sealed_for_new_tube', t.barcode, 'how', 'queued_scans'),
               p_channel, p_request_id
          FROM sealed ORDER BY sealed.id;
    END IF;
    RETURN QUERY SELECT p.name::text, p.id_number::text, t.barcode::text, t.filled::integer, t.capacity::integer;
END
$$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS testing_check_in_one(bigint, text, integer, bigint, text, uuid, text, bigint, "
    "integer, text, text, text, timestamptz, timestamptz, timestamptz, timestamptz, interval, integer, text, "
    "text, integer, integer[]); DROP FUNCTION IF EXISTS testing_check_in_declined();"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("testing", "0009_drop_duplicate_sample_tube_index"), ("audit", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
