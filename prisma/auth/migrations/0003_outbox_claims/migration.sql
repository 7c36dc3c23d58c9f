-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "claimed_until" TIMESTAMPTZ(3),
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "outbox_relay_state" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "broker_epoch" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("id")
);

-- Hand-written: one row at most.
ALTER TABLE "outbox_relay_state" ADD CONSTRAINT "outbox_relay_state_single_row" CHECK ("id");
