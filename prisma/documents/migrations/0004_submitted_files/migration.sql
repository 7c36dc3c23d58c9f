-- AlterTable
ALTER TABLE "documents" ADD COLUMN     "file_etag" TEXT,
ADD COLUMN     "file_key" TEXT;

-- CreateTable
CREATE TABLE "stale_objects" (
    "object_key" TEXT NOT NULL,
    "remove_after" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stale_objects_pkey" PRIMARY KEY ("object_key")
);

-- CreateIndex
CREATE INDEX "stale_objects_remove_after_idx" ON "stale_objects"("remove_after");

-- CreateIndex
CREATE UNIQUE INDEX "documents_file_key_key" ON "documents"("file_key");


-- Documents submitted before this migration keep their file where it was uploaded: their upload
-- URLs (15 minutes) have long expired.
UPDATE "documents" SET "file_key" = "object_key" WHERE "status" <> 'UPLOADING';

-- A submitted document has its file.
ALTER TABLE "documents" ADD CONSTRAINT "documents_submitted_have_a_file" CHECK ("status" = 'UPLOADING' OR "file_key" IS NOT NULL);
