-- Officers' sessions kept on the server (issue 15): the session cookie carries a random id whose
-- SHA-256 is a row here; logout, a password change, disabling the officer and "log out
-- everywhere" delete rows, and a copy of the cookie opens nothing after that. Cookies issued
-- before this migration carry no id and are refused: every officer logs in once after the update.
CREATE TABLE IF NOT EXISTS "staff_session" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "officer_id" INTEGER NOT NULL, "started_at" TEXT NOT NULL, "expires_at" REAL NOT NULL, FOREIGN KEY ("officer_id") REFERENCES "officer" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "staff_session_officer_id" ON "staff_session" ("officer_id");
