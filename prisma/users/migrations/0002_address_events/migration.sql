-- AlterTable
ALTER TABLE "users" ADD COLUMN     "address_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "seq" BIGSERIAL NOT NULL,
    "claimed_until" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_relay_state" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "broker_epoch" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "outbox_events_published_at_created_at_idx" ON "outbox_events"("published_at", "created_at");

-- Hand-written: one row at most.
ALTER TABLE "outbox_relay_state" ADD CONSTRAINT "outbox_relay_state_single_row" CHECK ("id");

-- Hand-written: announce the address books that exist already, so that orders knows them too.
UPDATE "users" SET "address_version" = 1 WHERE EXISTS (SELECT 1 FROM "addresses" a WHERE a."user_id" = "users"."id");
INSERT INTO "outbox_events" ("id", "topic", "payload")
SELECT gen_random_uuid(), 'user.addresses_changed',
       jsonb_build_object('userId', u."id",
                          'addressIds', (SELECT jsonb_agg(a."id") FROM "addresses" a WHERE a."user_id" = u."id"),
                          'version', u."address_version")
  FROM "users" u WHERE u."address_version" = 1;
