-- A refresh-token family becomes a row: revocation marks it, rotation locks it.

-- CreateTable
CREATE TABLE "refresh_token_families" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "refresh_token_families_pkey" PRIMARY KEY ("id")
);

-- Every existing family, revoked when any of its tokens was (revocation always took the whole family).
INSERT INTO "refresh_token_families" ("id", "account_id", "created_at", "revoked_at")
SELECT "family_id", (array_agg("account_id"))[1], min("created_at"), max("revoked_at")
FROM "refresh_tokens"
GROUP BY "family_id";

-- AlterTable
ALTER TABLE "refresh_tokens" DROP COLUMN "revoked_at";

-- CreateIndex
CREATE INDEX "refresh_token_families_account_id_idx" ON "refresh_token_families"("account_id");

-- AddForeignKey
ALTER TABLE "refresh_token_families" ADD CONSTRAINT "refresh_token_families_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_token_families"("id") ON DELETE CASCADE ON UPDATE CASCADE;
