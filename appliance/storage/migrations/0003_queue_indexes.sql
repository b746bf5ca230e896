-- The head of a service's queue (call next) and its recent handling time (every issue and every
-- waiting ticket's estimate) are read inside the write transaction; without these indexes SQLite
-- sorts every waiting or done ticket of the counter's services each time.
CREATE INDEX IF NOT EXISTS "ticket_service_state_id" ON "ticket" ("service_code", "state", "id");
CREATE INDEX IF NOT EXISTS "ticket_queue_head" ON "ticket" ("service_code", "state", "business_date", "priority", "id");
