-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "ipAddr" TEXT NOT NULL,
    "namespaceName" TEXT,
    "interfaceName" TEXT,
    "hostInterfaceName" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "source" TEXT NOT NULL DEFAULT 'control-plane',
    "containerId" TEXT,
    "runtime" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Instance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Instance" ("createdAt", "hostInterfaceName", "id", "interfaceName", "ipAddr", "namespaceName", "nodeId", "status", "statusReason", "updatedAt") SELECT "createdAt", "hostInterfaceName", "id", "interfaceName", "ipAddr", "namespaceName", "nodeId", "status", "statusReason", "updatedAt" FROM "Instance";
DROP TABLE "Instance";
ALTER TABLE "new_Instance" RENAME TO "Instance";
CREATE UNIQUE INDEX "Instance_ipAddr_key" ON "Instance"("ipAddr");
CREATE INDEX "Instance_nodeId_idx" ON "Instance"("nodeId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

