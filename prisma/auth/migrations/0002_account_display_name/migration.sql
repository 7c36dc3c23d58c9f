-- The name given at sign-up, carried in access tokens (`name` claim) so `me` can answer before the
-- users subgraph has created the profile.
ALTER TABLE "accounts" ADD COLUMN "display_name" TEXT NOT NULL DEFAULT '';
