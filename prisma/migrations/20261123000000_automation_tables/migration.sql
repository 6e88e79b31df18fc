-- CreateTable
CREATE TABLE "JUnitTestSuite" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "time" DOUBLE PRECISION,
    "tests" INTEGER,
    "failures" INTEGER,
    "errors" INTEGER,
    "skipped" INTEGER,
    "assertions" INTEGER,
    "timestamp" TIMESTAMP(3),
    "file" TEXT,
    "systemOut" TEXT,
    "systemErr" TEXT,
    "parentId" INTEGER,
    "testRunId" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,

    CONSTRAINT "JUnitTestSuite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attachments" (
    "id" SERIAL NOT NULL,
    "testCaseId" INTEGER,
    "url" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "note" TEXT,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "mimeType" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "sessionId" INTEGER,
    "sessionResultsId" INTEGER,
    "testRunsId" INTEGER,
    "testRunResultsId" INTEGER,
    "testRunStepResultId" INTEGER,
    "junitTestResultId" INTEGER,

    CONSTRAINT "Attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "JUnitTestSuite_testRunId_idx" ON "JUnitTestSuite"("testRunId");

-- CreateIndex
CREATE INDEX "JUnitTestSuite_parentId_idx" ON "JUnitTestSuite"("parentId");

-- AddForeignKey
ALTER TABLE "JUnitTestSuite" ADD CONSTRAINT "JUnitTestSuite_testRunId_fkey" FOREIGN KEY ("testRunId") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JUnitTestSuite" ADD CONSTRAINT "JUnitTestSuite_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachments" ADD CONSTRAINT "Attachments_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachments" ADD CONSTRAINT "Attachments_testRunsId_fkey" FOREIGN KEY ("testRunsId") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

