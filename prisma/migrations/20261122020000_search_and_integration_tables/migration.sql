-- CreateEnum
CREATE TYPE "WorkflowType" AS ENUM ('NOT_STARTED', 'IN_PROGRESS', 'DONE');

-- CreateEnum
CREATE TYPE "WorkflowScope" AS ENUM ('CASES', 'RUNS', 'SESSIONS');

-- CreateEnum
CREATE TYPE "IntegrationProvider" AS ENUM ('JIRA', 'GITHUB', 'AZURE_DEVOPS', 'SIMPLE_URL');

-- CreateEnum
CREATE TYPE "IntegrationAuthType" AS ENUM ('NONE', 'OAUTH2', 'PERSONAL_ACCESS_TOKEN', 'API_KEY');

-- CreateEnum
CREATE TYPE "IntegrationStatus" AS ENUM ('ACTIVE', 'INACTIVE', 'ERROR');

-- CreateTable
CREATE TABLE "ColorFamily" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ColorFamily_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Color" (
    "id" SERIAL NOT NULL,
    "colorFamilyId" INTEGER NOT NULL,
    "value" TEXT NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Color_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FieldIcon" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "FieldIcon_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Workflows" (
    "id" SERIAL NOT NULL,
    "order" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "iconId" INTEGER NOT NULL,
    "colorId" INTEGER NOT NULL,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "workflowType" "WorkflowType" NOT NULL DEFAULT 'NOT_STARTED',
    "scope" "WorkflowScope" NOT NULL,

    CONSTRAINT "Workflows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MilestoneTypes" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "iconId" INTEGER,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "MilestoneTypes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Templates" (
    "id" SERIAL NOT NULL,
    "templateName" TEXT NOT NULL,
    "isEnabled" BOOLEAN NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "isDefault" BOOLEAN NOT NULL,

    CONSTRAINT "Templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Configurations" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Configurations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tags" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseFieldTypes" (
    "id" SERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "options" JSONB,

    CONSTRAINT "CaseFieldTypes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseFields" (
    "id" SERIAL NOT NULL,
    "displayName" TEXT NOT NULL,
    "systemName" TEXT NOT NULL,
    "hint" TEXT,
    "typeId" INTEGER NOT NULL,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "isRequired" BOOLEAN NOT NULL DEFAULT false,
    "isRestricted" BOOLEAN NOT NULL DEFAULT false,
    "defaultValue" TEXT,
    "isChecked" BOOLEAN,
    "minValue" DOUBLE PRECISION,
    "maxValue" DOUBLE PRECISION,
    "initialHeight" INTEGER,

    CONSTRAINT "CaseFields_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FieldOptions" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "iconId" INTEGER,
    "isEnabled" BOOLEAN NOT NULL DEFAULT true,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "iconColorId" INTEGER,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "order" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "FieldOptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseFieldAssignment" (
    "fieldOptionId" SERIAL NOT NULL,
    "caseFieldId" INTEGER NOT NULL,

    CONSTRAINT "CaseFieldAssignment_pkey" PRIMARY KEY ("fieldOptionId","caseFieldId")
);

-- CreateTable
CREATE TABLE "CaseFieldValues" (
    "id" SERIAL NOT NULL,
    "testCaseId" INTEGER NOT NULL,
    "fieldId" INTEGER NOT NULL,
    "value" JSONB,

    CONSTRAINT "CaseFieldValues_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Repositories" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "isArchived" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryFolders" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "repositoryId" INTEGER NOT NULL,
    "parentId" INTEGER,
    "name" TEXT NOT NULL,
    "docs" JSONB,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "creatorId" TEXT NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "RepositoryFolders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Steps" (
    "id" SERIAL NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "step" JSONB,
    "expectedResult" JSONB,
    "testCaseId" INTEGER NOT NULL,
    "order" INTEGER NOT NULL DEFAULT 0,
    "sharedStepGroupId" INTEGER,

    CONSTRAINT "Steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SharedStepGroup" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMPTZ(6),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,
    "createdById" TEXT NOT NULL,

    CONSTRAINT "SharedStepGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SharedStepItem" (
    "id" SERIAL NOT NULL,
    "sharedStepGroupId" INTEGER NOT NULL,
    "order" INTEGER NOT NULL,
    "step" JSONB NOT NULL,
    "expectedResult" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "SharedStepItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SessionResults" (
    "id" SERIAL NOT NULL,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "sessionId" INTEGER NOT NULL,
    "resultData" JSONB,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "statusId" INTEGER NOT NULL,
    "elapsed" INTEGER,

    CONSTRAINT "SessionResults_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestRunStepResults" (
    "id" SERIAL NOT NULL,
    "testRunResultId" INTEGER NOT NULL,
    "stepId" INTEGER NOT NULL,
    "sharedStepItemId" INTEGER,
    "statusId" INTEGER NOT NULL,
    "notes" JSONB,
    "evidence" JSONB,
    "executedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "elapsed" INTEGER,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "TestRunStepResults_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Issue" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "status" TEXT,
    "priority" TEXT DEFAULT 'medium',
    "externalId" TEXT,
    "externalKey" TEXT,
    "externalUrl" TEXT,
    "externalStatus" TEXT,
    "externalData" JSONB,
    "issueTypeId" TEXT,
    "issueTypeName" TEXT,
    "issueTypeIconUrl" TEXT,
    "lastSyncedAt" TIMESTAMPTZ(6),
    "data" JSONB,
    "note" JSONB,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT NOT NULL,
    "projectId" INTEGER,
    "integrationId" INTEGER,

    CONSTRAINT "Issue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Integration" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "provider" "IntegrationProvider" NOT NULL,
    "authType" "IntegrationAuthType" NOT NULL,
    "status" "IntegrationStatus" NOT NULL DEFAULT 'INACTIVE',
    "credentials" JSONB NOT NULL,
    "settings" JSONB,
    "lastSyncAt" TIMESTAMP(3),
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserIntegrationAuth" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "integrationId" INTEGER NOT NULL,
    "accessToken" TEXT NOT NULL,
    "refreshToken" TEXT,
    "tokenExpiresAt" TIMESTAMP(3),
    "additionalData" JSONB,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserIntegrationAuth_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProjectIntegration" (
    "id" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "integrationId" INTEGER NOT NULL,
    "config" JSONB,
    "fieldMappings" JSONB,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "lastSyncAt" TIMESTAMPTZ(6),
    "syncStatus" TEXT,
    "syncError" TEXT,
    "issueCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProjectIntegration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_RepositoryCasesToTags" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_RepositoryCasesToTags_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_SessionsToTags" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_SessionsToTags_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_TagsToTestRuns" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_TagsToTestRuns_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToRepositoryCases" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToRepositoryCases_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToSessions" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToSessions_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToSessionResults" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToSessionResults_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToTestRuns" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToTestRuns_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToTestRunResults" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToTestRunResults_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_IssueToTestRunStepResults" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_IssueToTestRunStepResults_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "ColorFamily_name_key" ON "ColorFamily"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ColorFamily_order_key" ON "ColorFamily"("order");

-- CreateIndex
CREATE UNIQUE INDEX "Color_colorFamilyId_order_key" ON "Color"("colorFamilyId", "order");

-- CreateIndex
CREATE UNIQUE INDEX "FieldIcon_name_key" ON "FieldIcon"("name");

-- CreateIndex
CREATE INDEX "Workflows_isDeleted_isEnabled_idx" ON "Workflows"("isDeleted", "isEnabled");

-- CreateIndex
CREATE INDEX "Workflows_scope_isDefault_idx" ON "Workflows"("scope", "isDefault");

-- CreateIndex
CREATE INDEX "Workflows_order_idx" ON "Workflows"("order");

-- CreateIndex
CREATE UNIQUE INDEX "MilestoneTypes_name_key" ON "MilestoneTypes"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Templates_templateName_key" ON "Templates"("templateName");

-- CreateIndex
CREATE UNIQUE INDEX "Tags_name_key" ON "Tags"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CaseFieldTypes_type_key" ON "CaseFieldTypes"("type");

-- CreateIndex
CREATE UNIQUE INDEX "CaseFields_systemName_key" ON "CaseFields"("systemName");

-- CreateIndex
CREATE INDEX "CaseFieldValues_testCaseId_idx" ON "CaseFieldValues"("testCaseId");

-- CreateIndex
CREATE INDEX "CaseFieldValues_fieldId_idx" ON "CaseFieldValues"("fieldId");

-- CreateIndex
CREATE INDEX "RepositoryFolders_projectId_repositoryId_isDeleted_idx" ON "RepositoryFolders"("projectId", "repositoryId", "isDeleted");

-- CreateIndex
CREATE INDEX "RepositoryFolders_parentId_idx" ON "RepositoryFolders"("parentId");

-- CreateIndex
CREATE INDEX "RepositoryFolders_order_idx" ON "RepositoryFolders"("order");

-- CreateIndex
CREATE UNIQUE INDEX "RepositoryFolders_projectId_repositoryId_parentId_name_isDe_key" ON "RepositoryFolders"("projectId", "repositoryId", "parentId", "name", "isDeleted");

-- CreateIndex
CREATE INDEX "Steps_testCaseId_idx" ON "Steps"("testCaseId");

-- CreateIndex
CREATE INDEX "Steps_sharedStepGroupId_idx" ON "Steps"("sharedStepGroupId");

-- CreateIndex
CREATE INDEX "SharedStepGroup_projectId_idx" ON "SharedStepGroup"("projectId");

-- CreateIndex
CREATE INDEX "SharedStepGroup_createdById_idx" ON "SharedStepGroup"("createdById");

-- CreateIndex
CREATE INDEX "SharedStepItem_sharedStepGroupId_idx" ON "SharedStepItem"("sharedStepGroupId");

-- CreateIndex
CREATE INDEX "SessionResults_sessionId_idx" ON "SessionResults"("sessionId");

-- CreateIndex
CREATE INDEX "SessionResults_statusId_idx" ON "SessionResults"("statusId");

-- CreateIndex
CREATE INDEX "SessionResults_createdAt_idx" ON "SessionResults"("createdAt");

-- CreateIndex
CREATE INDEX "TestRunStepResults_sharedStepItemId_idx" ON "TestRunStepResults"("sharedStepItemId");

-- CreateIndex
CREATE UNIQUE INDEX "uq_tsr_res_step_shareditem" ON "TestRunStepResults"("testRunResultId", "stepId", "sharedStepItemId");

-- CreateIndex
CREATE INDEX "Issue_externalId_idx" ON "Issue"("externalId");

-- CreateIndex
CREATE INDEX "Issue_createdById_idx" ON "Issue"("createdById");

-- CreateIndex
CREATE INDEX "Issue_projectId_idx" ON "Issue"("projectId");

-- CreateIndex
CREATE INDEX "Issue_integrationId_idx" ON "Issue"("integrationId");

-- CreateIndex
CREATE UNIQUE INDEX "Issue_externalId_integrationId_key" ON "Issue"("externalId", "integrationId");

-- CreateIndex
CREATE UNIQUE INDEX "Integration_name_key" ON "Integration"("name");

-- CreateIndex
CREATE INDEX "Integration_provider_status_idx" ON "Integration"("provider", "status");

-- CreateIndex
CREATE INDEX "UserIntegrationAuth_integrationId_isActive_idx" ON "UserIntegrationAuth"("integrationId", "isActive");

-- CreateIndex
CREATE UNIQUE INDEX "UserIntegrationAuth_userId_integrationId_key" ON "UserIntegrationAuth"("userId", "integrationId");

-- CreateIndex
CREATE INDEX "ProjectIntegration_integrationId_idx" ON "ProjectIntegration"("integrationId");

-- CreateIndex
CREATE INDEX "ProjectIntegration_isActive_idx" ON "ProjectIntegration"("isActive");

-- CreateIndex
CREATE UNIQUE INDEX "ProjectIntegration_projectId_integrationId_key" ON "ProjectIntegration"("projectId", "integrationId");

-- CreateIndex
CREATE INDEX "_RepositoryCasesToTags_B_index" ON "_RepositoryCasesToTags"("B");

-- CreateIndex
CREATE INDEX "_SessionsToTags_B_index" ON "_SessionsToTags"("B");

-- CreateIndex
CREATE INDEX "_TagsToTestRuns_B_index" ON "_TagsToTestRuns"("B");

-- CreateIndex
CREATE INDEX "_IssueToRepositoryCases_B_index" ON "_IssueToRepositoryCases"("B");

-- CreateIndex
CREATE INDEX "_IssueToSessions_B_index" ON "_IssueToSessions"("B");

-- CreateIndex
CREATE INDEX "_IssueToSessionResults_B_index" ON "_IssueToSessionResults"("B");

-- CreateIndex
CREATE INDEX "_IssueToTestRuns_B_index" ON "_IssueToTestRuns"("B");

-- CreateIndex
CREATE INDEX "_IssueToTestRunResults_B_index" ON "_IssueToTestRunResults"("B");

-- CreateIndex
CREATE INDEX "_IssueToTestRunStepResults_B_index" ON "_IssueToTestRunStepResults"("B");

-- AddForeignKey
ALTER TABLE "Status" ADD CONSTRAINT "Status_colorId_fkey" FOREIGN KEY ("colorId") REFERENCES "Color"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestones" ADD CONSTRAINT "Milestones_rootId_fkey" FOREIGN KEY ("rootId") REFERENCES "Milestones"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestones" ADD CONSTRAINT "Milestones_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Milestones"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestones" ADD CONSTRAINT "Milestones_milestoneTypesId_fkey" FOREIGN KEY ("milestoneTypesId") REFERENCES "MilestoneTypes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_folderId_fkey" FOREIGN KEY ("folderId") REFERENCES "RepositoryFolders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Templates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryCases" ADD CONSTRAINT "RepositoryCases_stateId_fkey" FOREIGN KEY ("stateId") REFERENCES "Workflows"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Templates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_configId_fkey" FOREIGN KEY ("configId") REFERENCES "Configurations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sessions" ADD CONSTRAINT "Sessions_stateId_fkey" FOREIGN KEY ("stateId") REFERENCES "Workflows"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRuns" ADD CONSTRAINT "TestRuns_configId_fkey" FOREIGN KEY ("configId") REFERENCES "Configurations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRuns" ADD CONSTRAINT "TestRuns_stateId_fkey" FOREIGN KEY ("stateId") REFERENCES "Workflows"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Color" ADD CONSTRAINT "Color_colorFamilyId_fkey" FOREIGN KEY ("colorFamilyId") REFERENCES "ColorFamily"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Workflows" ADD CONSTRAINT "Workflows_iconId_fkey" FOREIGN KEY ("iconId") REFERENCES "FieldIcon"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Workflows" ADD CONSTRAINT "Workflows_colorId_fkey" FOREIGN KEY ("colorId") REFERENCES "Color"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MilestoneTypes" ADD CONSTRAINT "MilestoneTypes_iconId_fkey" FOREIGN KEY ("iconId") REFERENCES "FieldIcon"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseFields" ADD CONSTRAINT "CaseFields_typeId_fkey" FOREIGN KEY ("typeId") REFERENCES "CaseFieldTypes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FieldOptions" ADD CONSTRAINT "FieldOptions_iconId_fkey" FOREIGN KEY ("iconId") REFERENCES "FieldIcon"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FieldOptions" ADD CONSTRAINT "FieldOptions_iconColorId_fkey" FOREIGN KEY ("iconColorId") REFERENCES "Color"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseFieldAssignment" ADD CONSTRAINT "CaseFieldAssignment_fieldOptionId_fkey" FOREIGN KEY ("fieldOptionId") REFERENCES "FieldOptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseFieldAssignment" ADD CONSTRAINT "CaseFieldAssignment_caseFieldId_fkey" FOREIGN KEY ("caseFieldId") REFERENCES "CaseFields"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseFieldValues" ADD CONSTRAINT "CaseFieldValues_testCaseId_fkey" FOREIGN KEY ("testCaseId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseFieldValues" ADD CONSTRAINT "CaseFieldValues_fieldId_fkey" FOREIGN KEY ("fieldId") REFERENCES "CaseFields"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Repositories" ADD CONSTRAINT "Repositories_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryFolders" ADD CONSTRAINT "RepositoryFolders_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryFolders" ADD CONSTRAINT "RepositoryFolders_repositoryId_fkey" FOREIGN KEY ("repositoryId") REFERENCES "Repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryFolders" ADD CONSTRAINT "RepositoryFolders_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "RepositoryFolders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepositoryFolders" ADD CONSTRAINT "RepositoryFolders_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Steps" ADD CONSTRAINT "Steps_testCaseId_fkey" FOREIGN KEY ("testCaseId") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Steps" ADD CONSTRAINT "Steps_sharedStepGroupId_fkey" FOREIGN KEY ("sharedStepGroupId") REFERENCES "SharedStepGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SharedStepGroup" ADD CONSTRAINT "SharedStepGroup_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SharedStepGroup" ADD CONSTRAINT "SharedStepGroup_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SharedStepItem" ADD CONSTRAINT "SharedStepItem_sharedStepGroupId_fkey" FOREIGN KEY ("sharedStepGroupId") REFERENCES "SharedStepGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SessionResults" ADD CONSTRAINT "SessionResults_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SessionResults" ADD CONSTRAINT "SessionResults_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SessionResults" ADD CONSTRAINT "SessionResults_statusId_fkey" FOREIGN KEY ("statusId") REFERENCES "Status"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunStepResults" ADD CONSTRAINT "TestRunStepResults_testRunResultId_fkey" FOREIGN KEY ("testRunResultId") REFERENCES "TestRunResults"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunStepResults" ADD CONSTRAINT "TestRunStepResults_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Steps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunStepResults" ADD CONSTRAINT "test_run_step_results_shared_step_item_id_fkey" FOREIGN KEY ("sharedStepItemId") REFERENCES "SharedStepItem"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRunStepResults" ADD CONSTRAINT "TestRunStepResults_statusId_fkey" FOREIGN KEY ("statusId") REFERENCES "Status"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Issue" ADD CONSTRAINT "Issue_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Issue" ADD CONSTRAINT "Issue_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Issue" ADD CONSTRAINT "Issue_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserIntegrationAuth" ADD CONSTRAINT "UserIntegrationAuth_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserIntegrationAuth" ADD CONSTRAINT "UserIntegrationAuth_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectIntegration" ADD CONSTRAINT "ProjectIntegration_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectIntegration" ADD CONSTRAINT "ProjectIntegration_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_RepositoryCasesToTags" ADD CONSTRAINT "_RepositoryCasesToTags_A_fkey" FOREIGN KEY ("A") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_RepositoryCasesToTags" ADD CONSTRAINT "_RepositoryCasesToTags_B_fkey" FOREIGN KEY ("B") REFERENCES "Tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_SessionsToTags" ADD CONSTRAINT "_SessionsToTags_A_fkey" FOREIGN KEY ("A") REFERENCES "Sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_SessionsToTags" ADD CONSTRAINT "_SessionsToTags_B_fkey" FOREIGN KEY ("B") REFERENCES "Tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_TagsToTestRuns" ADD CONSTRAINT "_TagsToTestRuns_A_fkey" FOREIGN KEY ("A") REFERENCES "Tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_TagsToTestRuns" ADD CONSTRAINT "_TagsToTestRuns_B_fkey" FOREIGN KEY ("B") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToRepositoryCases" ADD CONSTRAINT "_IssueToRepositoryCases_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToRepositoryCases" ADD CONSTRAINT "_IssueToRepositoryCases_B_fkey" FOREIGN KEY ("B") REFERENCES "RepositoryCases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToSessions" ADD CONSTRAINT "_IssueToSessions_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToSessions" ADD CONSTRAINT "_IssueToSessions_B_fkey" FOREIGN KEY ("B") REFERENCES "Sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToSessionResults" ADD CONSTRAINT "_IssueToSessionResults_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToSessionResults" ADD CONSTRAINT "_IssueToSessionResults_B_fkey" FOREIGN KEY ("B") REFERENCES "SessionResults"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRuns" ADD CONSTRAINT "_IssueToTestRuns_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRuns" ADD CONSTRAINT "_IssueToTestRuns_B_fkey" FOREIGN KEY ("B") REFERENCES "TestRuns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRunResults" ADD CONSTRAINT "_IssueToTestRunResults_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRunResults" ADD CONSTRAINT "_IssueToTestRunResults_B_fkey" FOREIGN KEY ("B") REFERENCES "TestRunResults"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRunStepResults" ADD CONSTRAINT "_IssueToTestRunStepResults_A_fkey" FOREIGN KEY ("A") REFERENCES "Issue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_IssueToTestRunStepResults" ADD CONSTRAINT "_IssueToTestRunStepResults_B_fkey" FOREIGN KEY ("B") REFERENCES "TestRunStepResults"("id") ON DELETE CASCADE ON UPDATE CASCADE;

