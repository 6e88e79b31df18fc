-- CreateEnum
CREATE TYPE "TestmoImportStatus" AS ENUM ('QUEUED', 'RUNNING', 'READY', 'COMPLETED', 'FAILED', 'CANCELED');

-- CreateEnum
CREATE TYPE "TestmoImportPhase" AS ENUM ('UPLOADING', 'ANALYZING', 'CONFIGURING', 'IMPORTING', 'FINALIZING');

-- CreateTable
CREATE TABLE "TemplateCaseAssignment" (
    "caseFieldId" INTEGER NOT NULL,
    "templateId" INTEGER NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TemplateCaseAssignment_pkey" PRIMARY KEY ("caseFieldId","templateId")
);

-- CreateTable
CREATE TABLE "TestmoImportJob" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdById" TEXT NOT NULL,
    "status" "TestmoImportStatus" NOT NULL DEFAULT 'QUEUED',
    "statusMessage" TEXT,
    "phase" "TestmoImportPhase",
    "storageKey" TEXT NOT NULL,
    "storageBucket" TEXT,
    "originalFileName" TEXT NOT NULL,
    "originalFileSize" BIGINT,
    "totalDatasets" INTEGER,
    "processedDatasets" INTEGER NOT NULL DEFAULT 0,
    "totalRows" BIGINT,
    "processedRows" BIGINT NOT NULL DEFAULT 0,
    "durationMs" INTEGER,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "canceledAt" TIMESTAMP(3),
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "processedCount" INTEGER NOT NULL DEFAULT 0,
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "skippedCount" INTEGER NOT NULL DEFAULT 0,
    "totalCount" INTEGER NOT NULL DEFAULT 0,
    "currentEntity" TEXT,
    "estimatedTimeRemaining" TEXT,
    "processingRate" TEXT,
    "activityLog" JSONB,
    "entityProgress" JSONB,
    "options" JSONB,
    "configuration" JSONB,
    "analysis" JSONB,
    "analysisGeneratedAt" TIMESTAMP(3),
    "lastImportStartedAt" TIMESTAMP(3),

    CONSTRAINT "TestmoImportJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestmoImportDataset" (
    "id" SERIAL NOT NULL,
    "jobId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "sampleRowCount" INTEGER NOT NULL,
    "truncated" BOOLEAN NOT NULL,
    "schema" JSONB,
    "sampleRows" JSONB,
    "allRows" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestmoImportDataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestmoImportStaging" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "datasetName" TEXT NOT NULL,
    "rowIndex" INTEGER NOT NULL,
    "rowData" JSONB NOT NULL,
    "fieldName" TEXT,
    "fieldValue" TEXT,
    "text1" TEXT,
    "text2" TEXT,
    "text3" TEXT,
    "text4" TEXT,
    "processed" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TestmoImportStaging_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestmoImportMapping" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "sourceId" INTEGER NOT NULL,
    "targetId" TEXT,
    "targetType" TEXT NOT NULL,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TestmoImportMapping_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TestmoImportJob_createdById_idx" ON "TestmoImportJob"("createdById");

-- CreateIndex
CREATE INDEX "TestmoImportJob_status_idx" ON "TestmoImportJob"("status");

-- CreateIndex
CREATE INDEX "TestmoImportJob_createdAt_idx" ON "TestmoImportJob"("createdAt");

-- CreateIndex
CREATE INDEX "TestmoImportDataset_jobId_idx" ON "TestmoImportDataset"("jobId");

-- CreateIndex
CREATE INDEX "TestmoImportDataset_name_idx" ON "TestmoImportDataset"("name");

-- CreateIndex
CREATE INDEX "TestmoImportStaging_jobId_datasetName_processed_idx" ON "TestmoImportStaging"("jobId", "datasetName", "processed");

-- CreateIndex
CREATE INDEX "TestmoImportStaging_jobId_processed_idx" ON "TestmoImportStaging"("jobId", "processed");

-- CreateIndex
CREATE INDEX "TestmoImportStaging_jobId_datasetName_rowIndex_idx" ON "TestmoImportStaging"("jobId", "datasetName", "rowIndex");

-- CreateIndex
CREATE INDEX "TestmoImportMapping_jobId_entityType_idx" ON "TestmoImportMapping"("jobId", "entityType");

-- CreateIndex
CREATE INDEX "TestmoImportMapping_jobId_entityType_sourceId_idx" ON "TestmoImportMapping"("jobId", "entityType", "sourceId");

-- CreateIndex
CREATE UNIQUE INDEX "TestmoImportMapping_jobId_entityType_sourceId_key" ON "TestmoImportMapping"("jobId", "entityType", "sourceId");

-- AddForeignKey
ALTER TABLE "TemplateCaseAssignment" ADD CONSTRAINT "TemplateCaseAssignment_caseFieldId_fkey" FOREIGN KEY ("caseFieldId") REFERENCES "CaseFields"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TemplateCaseAssignment" ADD CONSTRAINT "TemplateCaseAssignment_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Templates"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestmoImportJob" ADD CONSTRAINT "TestmoImportJob_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestmoImportDataset" ADD CONSTRAINT "TestmoImportDataset_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "TestmoImportJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

