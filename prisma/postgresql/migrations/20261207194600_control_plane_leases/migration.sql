-- CreateTable
CREATE TABLE "ControlPlaneLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ControlPlaneLease_pkey" PRIMARY KEY ("name")
);

