-- CreateTable
CREATE TABLE "ClusterSettings" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clusterCidr" TEXT NOT NULL DEFAULT '10.0.0.0/16',
    "nodePrefixLength" INTEGER NOT NULL DEFAULT 24,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Node" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "agentToken" TEXT NOT NULL,
    "externalIpAddr" TEXT NOT NULL,
    "subnet" TEXT NOT NULL,
    "nodeIpAddr" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "removeRequestedAt" DATETIME,
    "lastBootId" TEXT,
    "lastSeenAt" DATETIME,
    "agentVersion" TEXT,
    "kernel" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "ipAddr" TEXT NOT NULL,
    "namespaceName" TEXT,
    "interfaceName" TEXT,
    "hostInterfaceName" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Instance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PortMapping" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "instanceId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "hostPort" INTEGER NOT NULL,
    "instancePort" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PortMapping_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PortMapping_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PendingChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "nodeId" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PendingChange_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "error" TEXT,
    "details" TEXT,
    "durationMs" INTEGER NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Node_agentUrl_key" ON "Node"("agentUrl");

-- CreateIndex
CREATE UNIQUE INDEX "Node_externalIpAddr_key" ON "Node"("externalIpAddr");

-- CreateIndex
CREATE UNIQUE INDEX "Node_subnet_key" ON "Node"("subnet");

-- CreateIndex
CREATE UNIQUE INDEX "Node_nodeIpAddr_key" ON "Node"("nodeIpAddr");

-- CreateIndex
CREATE UNIQUE INDEX "Instance_ipAddr_key" ON "Instance"("ipAddr");

-- CreateIndex
CREATE INDEX "Instance_nodeId_idx" ON "Instance"("nodeId");

-- CreateIndex
CREATE INDEX "PortMapping_instanceId_idx" ON "PortMapping"("instanceId");

-- CreateIndex
CREATE UNIQUE INDEX "PortMapping_nodeId_protocol_hostPort_key" ON "PortMapping"("nodeId", "protocol", "hostPort");

-- CreateIndex
CREATE UNIQUE INDEX "PendingChange_nodeId_subjectId_key" ON "PendingChange"("nodeId", "subjectId");

-- CreateIndex
CREATE INDEX "AuditEntry_targetType_targetId_idx" ON "AuditEntry"("targetType", "targetId");

