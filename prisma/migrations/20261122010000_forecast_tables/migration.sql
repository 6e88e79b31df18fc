-- CreateEnum
CREATE TYPE "RepositoryCaseSource" AS ENUM ('MANUAL', 'JUNIT', 'TESTNG', 'XUNIT', 'NUNIT', 'MSTEST', 'MOCHA', 'CUCUMBER', 'API');

-- CreateEnum
CREATE TYPE "LinkType" AS ENUM ('SAME_TEST_DIFFERENT_SOURCE', 'DEPENDS_ON');

-- CreateEnum
CREATE TYPE "TestRunType" AS ENUM ('REGULAR', 'JUNIT', 'TESTNG', 'XUNIT', 'NUNIT', 'MSTEST', 'MOCHA', 'CUCUMBER');

-- CreateEnum
CREATE TYPE "JUnitResultType" AS ENUM ('PASSED', 'FAILURE', 'ERROR', 'SKIPPED');

-- CreateTable
CREATE TABLE "Status" (
    "id" SERIAL NOT NULL,
    "order" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "systemName" TEXT NOT NULL,
    "aliases" TEXT,
    "colorId" INTEGER NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "isEnabled" BOOLEAN NOT NULL,
    "isSuccess" BOOLEAN NOT NULL,
    "isFailure" BOOLEAN NOT NULL,
    "isCompleted" BOOLEAN NOT NULL,

    CONSTRAINT "Status_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Milestones" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "rootId" INTEGER,
    "parentId" INTEGER,
    "milestoneTypesId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "note" JSONB,
    "docs" JSONB,
    "isStarted" BOOLEAN NOT NULL DEFAULT false,
    "isCompleted" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "automaticCompletion" BOOLEAN NOT NULL DEFAULT false,
    "notifyDaysBefore" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMPTZ(6),
    "completedAt" TIMESTAMPTZ(6),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT NOT NULL,

    CONSTRAINT "Milestones_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryCaseLink" (
    "id" SERIAL NOT NULL,
    "caseAId" INTEGER NOT NULL,
    "caseBId" INTEGER NOT NULL,
    "type" "LinkType" NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,

    CONSTRAINT "RepositoryCaseLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryCases" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "repositoryId" INTEGER NOT NULL,
    "folderId" INTEGER NOT NULL,
    "templateId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "className" TEXT,
    "source" "RepositoryCaseSource" NOT NULL DEFAULT 'MANUAL',
    "stateId" INTEGER NOT NULL,
    "estimate" INTEGER,
    "forecastManual" INTEGER,
    "forecastAutomated" DOUBLE PRECISION,
    "order" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "creatorId" TEXT NOT NULL,
    "automated" BOOLEAN NOT NULL DEFAULT false,
    "isArchived" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "RepositoryCases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Sessions" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "templateId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "note" JSONB,
    "mission" JSONB,
    "configId" INTEGER,
    "milestoneId" INTEGER,
    "stateId" INTEGER NOT NULL,
    "assignedToId" TEXT,
    "estimate" INTEGER,
    "forecastManual" INTEGER,
    "forecastAutomated" DOUBLE PRECISION,
    "elapsed" INTEGER,
    "isCompleted" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestRuns" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "note" JSONB,
    "docs" JSONB,
    "configId" INTEGER,
    "milestoneId" INTEGER,
    "stateId" INTEGER NOT NULL,
    "forecastManual" INTEGER,
    "forecastAutomated" DOUBLE PRECISION,
    "elapsed" INTEGER,
    "isCompleted" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "testRunType" "TestRunType" NOT NULL DEFAULT 'REGULAR',
    "configurationGroupId" TEXT,

    CONSTRAINT "TestRuns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestRunCases" (
    "id" SERIAL NOT NULL,
    "testRunId" INTEGER NOT NULL,
    "repositoryCaseId" INTEGER NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,
    "statusId" INTEGER,
    "assignedToId" TEXT,
    "isCompleted" BOOLEAN NOT NULL DEFAULT false,
    "notes" JSONB,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "elapsed" INTEGER,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestRunCases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestRunResults" (
    "id" SERIAL NOT NULL,
    "testRunId" INTEGER NOT NULL,
    "testRunCaseId" INTEGER NOT NULL,
    "testRunCaseVersion" INTEGER NOT NULL DEFAULT 1,
    "statusId" INTEGER NOT NULL,
    "executedById" TEXT NOT NULL,
    "executedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "editedById" TEXT,
    "editedAt" TIMESTAMP(3),
    "elapsed" INTEGER,
    "notes" JSONB,
    "evidence" JSONB,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "TestRunResults_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JUnitTestResult" (
    "id" SERIAL NOT NULL,
    "type" "JUnitResultType" NOT NULL,
    "message" TEXT,
    "content" TEXT,
    "repositoryCaseId" INTEGER NOT NULL,
    "executedAt" TIMESTAMPTZ(6),
    "time" DOUBLE PRECISION,
    "assertions" INTEGER,
    "file" TEXT,
    "line" INTEGER,
    "systemOut" TEXT,
    "systemErr" TEXT,
    "testSuiteId" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "statusId" INTEGER,

    CONSTRAINT "JUnitTestResult_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Status_systemName_key" ON "Status"("systemName");

-- CreateIndex
CREATE INDEX "Status_isDeleted_isEnabled_idx" ON "Status"("isDeleted", "isEnabled");

-- CreateIndex
CREATE INDEX "Status_order_idx" ON "Status"("order");

-- CreateIndex
CREATE INDEX "Milestones_projectId_isDeleted_idx" ON "Milestones"("projectId", "isDeleted");

-- CreateIndex
CREATE INDEX "Milestones_parentId_idx" ON "Milestones"("parentId");

-- CreateIndex
CREATE INDEX "Milestones_isCompleted_isDeleted_idx" ON "Milestones"("isCompleted", "isDeleted");

-- CreateIndex
CREATE INDEX "Milestones_isCompleted_automaticCompletion_completedAt_idx" ON "Milestones"("isCompleted", "automaticCompletion", "completedAt");

-- CreateIndex
CREATE INDEX "Milestones_isCompleted_notifyDaysBefore_completedAt_idx" ON "Milestones"("isCompleted", "notifyDaysBefore", "completedAt");

-- CreateIndex
CREATE UNIQUE INDEX "RepositoryCaseLink_caseAId_caseBId_type_key" ON "RepositoryCaseLink"("caseAId", "caseBId", "type");

-- CreateIndex
CREATE INDEX "RepositoryCases_projectId_isDeleted_isArchived_idx" ON "RepositoryCases"("projectId", "isDeleted", "isArchived");

-- CreateIndex
CREATE INDEX "RepositoryCases_folderId_order_idx" ON "RepositoryCases"("folderId", "order");

-- CreateIndex
CREATE INDEX "RepositoryCases_repositoryId_isDeleted_idx" ON "RepositoryCases"("repositoryId", "isDeleted");

-- CreateIndex
CREATE INDEX "RepositoryCases_stateId_idx" ON "RepositoryCases"("stateId");

-- CreateIndex
CREATE INDEX "RepositoryCases_automated_idx" ON "RepositoryCases"("automated");

-- CreateIndex
CREATE INDEX "RepositoryCases_createdAt_idx" ON "RepositoryCases"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RepositoryCases_projectId_name_className_source_key" ON "RepositoryCases"("projectId", "name", "className", "source");

-- CreateIndex
CREATE INDEX "Sessions_projectId_isDeleted_idx" ON "Sessions"("projectId", "isDeleted");

-- CreateIndex
CREATE INDEX "Sessions_createdById_idx" ON "Sessions"("createdById");

-- CreateIndex
CREATE INDEX "Sessions_assignedToId_idx" ON "Sessions"("assignedToId");

-- CreateIndex
CREATE INDEX "Sessions_stateId_idx" ON "Sessions"("stateId");

-- CreateIndex
CREATE INDEX "Sessions_isCompleted_createdAt_idx" ON "Sessions"("isCompleted", "createdAt");

-- CreateIndex
CREATE INDEX "TestRuns_projectId_isDeleted_idx" ON "TestRuns"("projectId", "isDeleted");

-- CreateIndex
CREATE INDEX "TestRuns_createdById_idx" ON "TestRuns"("createdById");

-- CreateIndex
CREATE INDEX "TestRuns_stateId_idx" ON "TestRuns"("stateId");

-- CreateIndex
CREATE INDEX "TestRuns_isCompleted_createdAt_idx" ON "TestRuns"("isCompleted", "createdAt");

-- CreateIndex
CREATE INDEX "TestRuns_testRunType_idx" ON "TestRuns"("testRunType");

-- CreateIndex
CREATE INDEX "TestRuns_configurationGroupId_idx" ON "TestRuns"("configurationGroupId");

-- CreateIndex
CREATE INDEX "TestRunCases_testRunId_idx" ON "TestRunCases"("testRunId");

-- CreateIndex
CREATE INDEX "TestRunCases_repositoryCaseId_idx" ON "TestRunCases"("repositoryCaseId");

-- CreateIndex
CREATE INDEX "TestRunCases_assignedToId_idx" ON "TestRunCases"("assignedToId");

-- CreateIndex
CREATE INDEX "TestRunCases_statusId_idx" ON "TestRunCases"("statusId");

-- CreateIndex
CREATE INDEX "TestRunCases_isCompleted_idx" ON "TestRunCases"("isCompleted");

-- CreateIndex
CREATE UNIQUE INDEX "TestRunCases_testRunId_repositoryCaseId_key" ON "TestRunCases"("testRunId", "repositoryCaseId");

-- CreateIndex
CREATE INDEX "TestRunResults_testRunCaseId_idx" ON "TestRunResults"("testRunCaseId");

-- CreateIndex
CREATE INDEX "TestRunResults_executedById_idx" ON "TestRunResults"("executedById");

-- CreateIndex
CREATE INDEX "TestRunResults_statusId_idx" ON "TestRunResults"("statusId");

-- CreateIndex
CREATE INDEX "TestRunResults_executedAt_idx" ON "TestRunResults"("executedAt");

-- CreateIndex
CREATE INDEX "TestRunResults_testRunCaseId_executedAt_idx" ON "TestRunResults"("testRunCaseId", "executedAt" DESC);

-- CreateIndex
CREATE INDEX "JUnitTestResult_testSuiteId_idx" ON "JUnitTestResult"("testSuiteId");

-- CreateIndex
CREATE INDEX "JUnitTestResult_repositoryCaseId_idx" ON "JUnitTestResult"("repositoryCaseId");

-- CreateIndex
CREATE INDEX "JUnitTestResult_repositoryCaseId_executedAt_idx" ON "JUnitTestResult"("repositoryCaseId", "executedAt" DESC);

-- AddForeignKey
ALTER TABLE "Milestones" ADD CONSTRAINT "Milestones_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestones" ADD CONSTRAINT "Milestones_createdBy_fkey" FOREIGN KEY ("createdBy") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCaseLink" ADD CONSTRAINT "RepositoryCaseLink_caseAId_fkey" FOREIGN KEY ("caseAId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCaseLink" ADD CONSTRAINT "RepositoryCaseLink_caseBId_fkey" FOREIGN KEY ("caseBId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCaseLink" ADD CONSTRAINT "RepositoryCaseLink_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_milestoneId_fkey" FOREIGN KEY ("milestoneId") REFERENCES "Milestones"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_assignedToId_fkey" FOREIGN KEY ("assignedToId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRuns" ADD CONSTRAINT "TestRuns_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRuns" ADD CONSTRAINT "TestRuns_milestoneId_fkey" FOREIGN KEY ("milestoneId") REFERENCES "Milestones"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRuns" ADD CONSTRAINT "TestRuns_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunCases" ADD CONSTRAINT "TestRunCases_testRunId_fkey" FOREIGN KEY ("testRunId") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunCases" ADD CONSTRAINT "TestRunCases_repositoryCaseId_fkey" FOREIGN KEY ("repositoryCaseId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunCases" ADD CONSTRAINT "TestRunCases_statusId_fkey" FOREIGN KEY ("statusId") REFERENCES "Status"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunCases" ADD CONSTRAINT "TestRunCases_assignedToId_fkey" FOREIGN KEY ("assignedToId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunResults" ADD CONSTRAINT "TestRunResults_testRunId_fkey" FOREIGN KEY ("testRunId") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunResults" ADD CONSTRAINT "TestRunResults_testRunCaseId_fkey" FOREIGN KEY ("testRunCaseId") REFERENCES "TestRunCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunResults" ADD CONSTRAINT "TestRunResults_statusId_fkey" FOREIGN KEY ("statusId") REFERENCES "Status"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunResults" ADD CONSTRAINT "TestRunResults_executedById_fkey" FOREIGN KEY ("executedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JUnitTestResult" ADD CONSTRAINT "JUnitTestResult_repositoryCaseId_fkey" FOREIGN KEY ("repositoryCaseId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JUnitTestResult" ADD CONSTRAINT "JUnitTestResult_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JUnitTestResult" ADD CONSTRAINT "JUnitTestResult_statusId_fkey" FOREIGN KEY ("statusId") REFERENCES "Status"("id") ON DELETE SET NULL ON UPDATE CASCADE;

