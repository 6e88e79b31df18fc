-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Theme" AS ENUM ('Light', 'Dark', 'System', 'Green', 'Orange', 'Purple');

-- CreateEnum
CREATE TYPE "ItemsPerPage" AS ENUM ('10', '25', '50', '100', '250');

-- CreateEnum
CREATE TYPE "Locale" AS ENUM ('en_US', 'es_ES', 'fr_FR');

-- CreateEnum
CREATE TYPE "DateFormat" AS ENUM ('MM_DD_YYYY_SLASH', 'MM_DD_YYYY_DASH', 'DD_MM_YYYY_SLASH', 'DD_MM_YYYY_DASH', 'YYYY_MM_DD', 'MMM_D_YYYY', 'D_MMM_YYYY');

-- CreateEnum
CREATE TYPE "TimeFormat" AS ENUM ('HH_MM', 'HH_MM_A', 'HH_MM_Z', 'HH_MM_Z_A');

-- CreateEnum
CREATE TYPE "Access" AS ENUM ('NONE', 'USER', 'PROJECTADMIN', 'ADMIN');

-- CreateEnum
CREATE TYPE "AuthMethod" AS ENUM ('INTERNAL', 'SSO', 'BOTH');

-- CreateEnum
CREATE TYPE "NotificationMode" AS ENUM ('NONE', 'IN_APP', 'IN_APP_EMAIL_IMMEDIATE', 'IN_APP_EMAIL_DAILY', 'USE_GLOBAL');

-- CreateEnum
CREATE TYPE "NotificationType" AS ENUM ('WORK_ASSIGNED', 'SESSION_ASSIGNED', 'SYSTEM_ANNOUNCEMENT', 'USER_REGISTERED', 'COMMENT_MENTION', 'MILESTONE_DUE_REMINDER', 'SHARE_LINK_ACCESSED');

-- CreateEnum
CREATE TYPE "ProjectAccessType" AS ENUM ('DEFAULT', 'NO_ACCESS', 'GLOBAL_ROLE', 'SPECIFIC_ROLE');

-- CreateEnum
CREATE TYPE "AuditAction" AS ENUM ('CREATE', 'UPDATE', 'DELETE', 'BULK_CREATE', 'BULK_UPDATE', 'BULK_DELETE', 'LOGIN', 'LOGOUT', 'LOGIN_FAILED', 'SESSION_INVALIDATED', 'PASSWORD_CHANGED', 'PASSWORD_RESET', 'PERMISSION_GRANT', 'PERMISSION_REVOKE', 'ROLE_CHANGED', 'API_KEY_CREATED', 'API_KEY_DELETED', 'API_KEY_REGENERATED', 'API_KEY_REVOKED', 'DATA_EXPORTED', 'SSO_CONFIG_CHANGED', 'SYSTEM_CONFIG_CHANGED', 'SHARE_LINK_CREATED', 'SHARE_LINK_ACCESSED', 'SHARE_LINK_REVOKED');

-- CreateTable
CREATE TABLE "AppConfig" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,

    CONSTRAINT "AppConfig_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Roles" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "emailVerified" TIMESTAMP(3),
    "emailVerifToken" TEXT,
    "emailTokenExpires" TIMESTAMP(3),
    "password" TEXT NOT NULL,
    "image" TEXT,
    "authMethod" "AuthMethod" NOT NULL DEFAULT 'INTERNAL',
    "externalId" TEXT,
    "access" "Access" NOT NULL DEFAULT 'NONE',
    "roleId" INTEGER NOT NULL DEFAULT 1,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "isApi" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastActiveAt" TIMESTAMP(3),
    "lastSeenVersion" TEXT,
    "twoFactorEnabled" BOOLEAN NOT NULL DEFAULT false,
    "twoFactorSecret" TEXT,
    "twoFactorBackupCodes" TEXT,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserPreferences" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "theme" "Theme" NOT NULL DEFAULT 'Purple',
    "itemsPerPage" "ItemsPerPage" NOT NULL DEFAULT '10',
    "locale" "Locale" NOT NULL DEFAULT 'en_US',
    "dateFormat" "DateFormat" NOT NULL DEFAULT 'MM_DD_YYYY_DASH',
    "timeFormat" "TimeFormat" NOT NULL DEFAULT 'HH_MM_A',
    "timezone" TEXT NOT NULL DEFAULT 'Etc/UTC',
    "notificationMode" "NotificationMode" NOT NULL DEFAULT 'USE_GLOBAL',
    "emailNotifications" BOOLEAN NOT NULL DEFAULT true,
    "inAppNotifications" BOOLEAN NOT NULL DEFAULT true,
    "hasCompletedWelcomeTour" BOOLEAN NOT NULL DEFAULT false,
    "hasCompletedInitialPreferencesSetup" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "UserPreferences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Projects" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "iconUrl" TEXT,
    "note" TEXT,
    "docs" TEXT,
    "isCompleted" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "completedAt" DATE,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT NOT NULL,
    "defaultAccessType" "ProjectAccessType" NOT NULL DEFAULT 'GLOBAL_ROLE',
    "defaultRoleId" INTEGER,

    CONSTRAINT "Projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "type" "NotificationType" NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB,
    "isRead" BOOLEAN NOT NULL DEFAULT false,
    "isDeleted" BOOLEAN NOT NULL DEFAULT false,
    "relatedEntityId" TEXT,
    "relatedEntityType" TEXT,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "userEmail" TEXT,
    "userName" TEXT,
    "action" "AuditAction" NOT NULL,
    "entityType" VARCHAR(100) NOT NULL,
    "entityId" TEXT NOT NULL,
    "entityName" TEXT,
    "changes" JSONB,
    "metadata" JSONB,
    "timestamp" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "projectId" INTEGER,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Roles_name_key" ON "Roles"("name");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "User_isActive_isDeleted_idx" ON "User"("isActive", "isDeleted");

-- CreateIndex
CREATE INDEX "User_access_idx" ON "User"("access");

-- CreateIndex
CREATE UNIQUE INDEX "UserPreferences_userId_key" ON "UserPreferences"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Projects_name_key" ON "Projects"("name");

-- CreateIndex
CREATE INDEX "Projects_isDeleted_isCompleted_idx" ON "Projects"("isDeleted", "isCompleted");

-- CreateIndex
CREATE INDEX "Projects_createdBy_idx" ON "Projects"("createdBy");

-- CreateIndex
CREATE INDEX "Notification_userId_isRead_isDeleted_idx" ON "Notification"("userId", "isRead", "isDeleted");

-- CreateIndex
CREATE INDEX "Notification_createdAt_idx" ON "Notification"("createdAt");

-- CreateIndex
CREATE INDEX "Notification_type_idx" ON "Notification"("type");

-- CreateIndex
CREATE INDEX "AuditLog_entityType_entityId_idx" ON "AuditLog"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditLog_userId_timestamp_idx" ON "AuditLog"("userId", "timestamp");

-- CreateIndex
CREATE INDEX "AuditLog_projectId_timestamp_idx" ON "AuditLog"("projectId", "timestamp");

-- CreateIndex
CREATE INDEX "AuditLog_timestamp_idx" ON "AuditLog"("timestamp");

-- CreateIndex
CREATE INDEX "AuditLog_action_idx" ON "AuditLog"("action");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Roles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserPreferences" ADD CONSTRAINT "UserPreferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Projects" ADD CONSTRAINT "Projects_createdBy_fkey" FOREIGN KEY ("createdBy") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Projects"("id") ON DELETE SET NULL ON UPDATE CASCADE;

