-- SKM responses stop pointing at their ticket (the survey is anonymous, Permenpan RB 14/2017).
-- One response per ticket is enforced by a one-way flag on the ticket instead: the ticket knows
-- it was rated, the response does not know which ticket rated it.
ALTER TABLE "ticket" ADD COLUMN "surveyed" INTEGER NOT NULL DEFAULT 0;
UPDATE "ticket" SET "surveyed" = 1 WHERE "id" IN (SELECT "ticket_id" FROM "survey");
CREATE TABLE "survey_new" ("id" INTEGER NOT NULL PRIMARY KEY, "service_code" VARCHAR(255) NOT NULL, "business_date" DATE NOT NULL, "answers" TEXT NOT NULL, "respondent" TEXT NOT NULL, "submitted_at" TEXT NOT NULL, FOREIGN KEY ("service_code") REFERENCES "service" ("code"));
INSERT INTO "survey_new" ("id", "service_code", "business_date", "answers", "respondent", "submitted_at") SELECT "id", "service_code", "business_date", "answers", "respondent", "submitted_at" FROM "survey" ORDER BY "business_date", "service_code", "id";
DROP TABLE "survey";
ALTER TABLE "survey_new" RENAME TO "survey";
CREATE INDEX "survey_service_code" ON "survey" ("service_code");
CREATE INDEX "survey_business_date" ON "survey" ("business_date");
