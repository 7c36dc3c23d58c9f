-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "payment_method" TEXT,
ADD COLUMN     "shipping_address_id" UUID,
ALTER COLUMN "total_amount" DROP NOT NULL,
ALTER COLUMN "currency" DROP NOT NULL;

-- AlterTable
ALTER TABLE "order_items" ALTER COLUMN "unit_price_amount" DROP NOT NULL;

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_events" (
    "id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "handled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "outbox_events_published_at_created_at_idx" ON "outbox_events"("published_at", "created_at");


-- Hand-written: an order is priced from RESERVED on (inventory answers with prices), and only a
-- cancelled order has a reason.
ALTER TABLE "orders" ADD CONSTRAINT "orders_priced_once_reserved"
  CHECK ("status" IN ('PENDING', 'CANCELLED') OR ("total_amount" IS NOT NULL AND "currency" IS NOT NULL));
ALTER TABLE "orders" ADD CONSTRAINT "orders_cancel_reason_iff_cancelled"
  CHECK (("status" = 'CANCELLED') = ("cancel_reason" IS NOT NULL));
