-- CreateTable
CREATE TABLE "ClusterSettings" (
    "id" INTEGER NOT NULL,
    "clusterCidr" TEXT NOT NULL DEFAULT '10.0.0.0/16',
    "nodePrefixLength" INTEGER NOT NULL DEFAULT 24,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ClusterSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "agentToken" TEXT NOT NULL,
    "externalIpAddr" TEXT NOT NULL,
    "subnet" TEXT NOT NULL,
    "nodeIpAddr" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "removeRequestedAt" TIMESTAMP(3),
    "lastBootId" TEXT,
    "lastSeenAt" TIMESTAMP(3),
    "agentVersion" TEXT,
    "apiVersion" INTEGER,
    "versionProblem" TEXT,
    "kernel" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortMapping" (
    "id" SERIAL NOT NULL,
    "instanceId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "hostPort" INTEGER NOT NULL,
    "instancePort" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingChange" (
    "id" SERIAL NOT NULL,
    "nodeId" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PendingChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "error" TEXT,
    "details" TEXT,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JoinToken" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "description" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedByNodeId" TEXT,
    "revokedAt" TIMESTAMP(3),
    "revokedBy" TEXT,

    CONSTRAINT "JoinToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentCertificate" (
    "serialNumber" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "revokeReason" TEXT,

    CONSTRAINT "AgentCertificate_pkey" PRIMARY KEY ("serialNumber")
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

-- CreateIndex
CREATE UNIQUE INDEX "JoinToken_tokenHash_key" ON "JoinToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AgentCertificate_nodeId_idx" ON "AgentCertificate"("nodeId");

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortMapping" ADD CONSTRAINT "PortMapping_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortMapping" ADD CONSTRAINT "PortMapping_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingChange" ADD CONSTRAINT "PendingChange_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

