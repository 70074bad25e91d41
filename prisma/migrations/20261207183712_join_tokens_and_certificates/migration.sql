-- AlterTable
ALTER TABLE "Node" ADD COLUMN "apiVersion" INTEGER;
ALTER TABLE "Node" ADD COLUMN "versionProblem" TEXT;

-- CreateTable
CREATE TABLE "JoinToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "description" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "usedByNodeId" TEXT,
    "revokedAt" DATETIME,
    "revokedBy" TEXT
);

-- CreateTable
CREATE TABLE "AgentCertificate" (
    "serialNumber" TEXT NOT NULL PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    "revokeReason" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "JoinToken_tokenHash_key" ON "JoinToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AgentCertificate_nodeId_idx" ON "AgentCertificate"("nodeId");

