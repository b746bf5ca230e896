-- Bookings made on central (issue 18, SPEC §8). A booking this site received down the wire (or
-- first saw as a signed token at the kiosk), its one check-in with the ticket it was given, the
-- public keys tokens are checked with. A ticket checked in inside its slot window is `booked`:
-- called before the walk-ins of its service, so the queue head orders `booked` first (DESC: the
-- index then serves `ORDER BY booked DESC, id` without a sort).
ALTER TABLE "ticket" ADD COLUMN "booked" INTEGER NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS "ticket_queue_head";
CREATE INDEX IF NOT EXISTS "ticket_queue_head" ON "ticket" ("service_code", "state", "business_date", "priority", "booked" DESC, "id");
CREATE TABLE IF NOT EXISTS "booking" ("code" VARCHAR(255) NOT NULL PRIMARY KEY, "service_code" VARCHAR(255) NOT NULL, "business_date" DATE NOT NULL, "slot_start" VARCHAR(5) NOT NULL, "slot_end" VARCHAR(5) NOT NULL, "token" TEXT NOT NULL, "status" VARCHAR(255) NOT NULL, "seq" INTEGER, "received_at" TEXT NOT NULL, "origin" VARCHAR(255) NOT NULL);
CREATE INDEX IF NOT EXISTS "booking_business_date_service_code" ON "booking" ("business_date", "service_code");
CREATE TABLE IF NOT EXISTS "booking_check_in" ("id" INTEGER NOT NULL PRIMARY KEY, "code" VARCHAR(255) NOT NULL, "ticket_id" INTEGER NOT NULL, "at" TEXT NOT NULL, "via" VARCHAR(255) NOT NULL, "in_window" INTEGER NOT NULL, FOREIGN KEY ("ticket_id") REFERENCES "ticket" ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "booking_check_in_code" ON "booking_check_in" ("code");
CREATE INDEX IF NOT EXISTS "booking_check_in_ticket_id" ON "booking_check_in" ("ticket_id");
CREATE TABLE IF NOT EXISTS "booking_key" ("kid" VARCHAR(255) NOT NULL PRIMARY KEY, "public_key" TEXT NOT NULL, "origin" VARCHAR(255) NOT NULL, "added_at" TEXT NOT NULL);
