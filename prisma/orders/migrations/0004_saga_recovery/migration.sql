-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "CancelReason" ADD VALUE 'ZERO_TOTAL';
ALTER TYPE "CancelReason" ADD VALUE 'MIXED_CURRENCIES';
ALTER TYPE "CancelReason" ADD VALUE 'TOTAL_TOO_LARGE';
ALTER TYPE "CancelReason" ADD VALUE 'TIMED_OUT';

-- CreateTable
CREATE TABLE "address_books" (
    "user_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "address_books_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "address_book_entries" (
    "user_id" UUID NOT NULL,
    "address_id" UUID NOT NULL,

    CONSTRAINT "address_book_entries_pkey" PRIMARY KEY ("user_id","address_id")
);

-- CreateTable
CREATE TABLE "dead_letter_replays" (
    "id" UUID NOT NULL,
    "dead_letter_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "actor_id" UUID NOT NULL,
    "replayed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_replays_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dead_letter_replays_replayed_at_idx" ON "dead_letter_replays"("replayed_at");

-- CreateIndex
CREATE INDEX "orders_status_updated_at_idx" ON "orders"("status", "updated_at");

-- AddForeignKey
ALTER TABLE "address_book_entries" ADD CONSTRAINT "address_book_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "address_books"("user_id") ON DELETE CASCADE ON UPDATE CASCADE;

