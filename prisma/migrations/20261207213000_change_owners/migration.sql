-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "changeOwner" TEXT;

-- AlterTable
ALTER TABLE "PendingChange" ADD COLUMN "changeOwner" TEXT;

