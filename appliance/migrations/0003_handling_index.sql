-- Recent handling time of a service reads its last done tickets newest first (every issue and
-- every waiting ticket's estimate does): without this index SQLite sorts all of them each time.
CREATE INDEX IF NOT EXISTS "ticket_service_state_id" ON "ticket" ("service_code", "state", "id");
