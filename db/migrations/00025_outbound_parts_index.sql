-- outbound_parts_tenant_idx (tenant_id, created_at) goes: no statement reads parts by tenant and time (they are read
-- by id, by the unique key (tenant_id, message_id, kind, seq), or by connection and status_at), and it made a
-- part's "sent" update walk every part of the tenant. On a table never analysed (a new deployment until
-- autoanalyze, or any database with autovacuum off), the generic plan of `UPDATE outbound_parts … WHERE id = $1`
-- finds every index led by tenant_id equally cheap and kept this one, with id as a filter: 26–182 buffers a call
-- in the bench, growing with the tenant's parts (docs/performance.md, "A part's update bounded"). The update now
-- names the part's message too (turns.sentSQL), which the unique key serves whichever index the plan takes.

-- +goose Up
DROP INDEX outbound_parts_tenant_idx;

-- +goose Down
CREATE INDEX outbound_parts_tenant_idx ON outbound_parts (tenant_id, created_at);
