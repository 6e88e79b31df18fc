/**
 * One zod schema per job payload: the single source of truth for what TestPlanIt's web app
 * puts on its queues (compatibility contract, section 3). The bridge validates every job against
 * these before it starts a workflow; workflows and activities use the inferred types.
 *
 * Objects are not strict: a newer web app may add fields, and an unknown extra field must not
 * fail a job. They are stripped, so workflows only ever see the fields named here.
 */
import { z } from 'zod';
import { issueOperationFor } from './issueOperation';

const tenantId = z.string().min(1).optional();

export const NOTIFICATION_TYPES = [
  'WORK_ASSIGNED',
  'SESSION_ASSIGNED',
  'SYSTEM_ANNOUNCEMENT',
  'USER_REGISTERED',
  'COMMENT_MENTION',
  'MILESTONE_DUE_REMINDER',
  'SHARE_LINK_ACCESSED',
] as const;

export const AUDIT_ACTIONS = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'BULK_CREATE',
  'BULK_UPDATE',
  'BULK_DELETE',
  'LOGIN',
  'LOGOUT',
  'LOGIN_FAILED',
  'SESSION_INVALIDATED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'PERMISSION_GRANT',
  'PERMISSION_REVOKE',
  'ROLE_CHANGED',
  'API_KEY_CREATED',
  'API_KEY_DELETED',
  'API_KEY_REGENERATED',
  'API_KEY_REVOKED',
  'DATA_EXPORTED',
  'SSO_CONFIG_CHANGED',
  'SYSTEM_CONFIG_CHANGED',
  'SHARE_LINK_CREATED',
  'SHARE_LINK_ACCESSED',
  'SHARE_LINK_REVOKED',
] as const;

export const REINDEX_ENTITY_TYPES = [
  'all',
  'repositoryCases',
  'testRuns',
  'sessions',
  'sharedSteps',
  'issues',
  'milestones',
  'projects',
] as const;

// ---------------------------------------------------------------- forecast-updates
export const updateSingleCaseForecastPayload = z.object({
  repositoryCaseId: z.number().int().positive(),
  tenantId,
});
export const tenantOnlyPayload = z.object({ tenantId });

// ---------------------------------------------------------------- notifications
export const createNotificationPayload = z.object({
  userId: z.string().min(1),
  type: z.enum(NOTIFICATION_TYPES),
  title: z.string(),
  message: z.string(),
  relatedEntityId: z.string().optional(),
  relatedEntityType: z.string().optional(),
  data: z.unknown().optional(),
  tenantId,
});
export const processUserNotificationsPayload = z.object({ userId: z.string().min(1), tenantId });

// ---------------------------------------------------------------- emails
export const sendNotificationEmailPayload = z.object({
  notificationId: z.string().min(1),
  userId: z.string().min(1),
  immediate: z.boolean().optional(),
  tenantId,
});
export const sendDigestEmailPayload = z.object({
  userId: z.string().min(1),
  notifications: z.array(z.object({ id: z.string(), title: z.string(), message: z.string(), createdAt: z.string() })),
  tenantId,
});

// ---------------------------------------------------------------- issue-sync
/** TestPlanIt's issue-sync payload, the same for every job name (its `action` does not tell them apart). */
const issueSyncFields = z.object({
  userId: z.string().min(1),
  integrationId: z.number().int().positive(),
  projectId: z.string().optional(),
  issueId: z.string().optional(),
  action: z.enum(['sync', 'create', 'update', 'refresh']),
  data: z.unknown().optional(),
  tenantId,
});

/** `sync-issues`: refresh every local issue of the integration. */
export const issueSyncPayload = issueSyncFields.transform((payload) => ({
  ...payload,
  operation: issueOperationFor('sync-issues', payload),
}));

/** `sync-project-issues` names the TestPlanIt project to import into. */
export const projectIssueSyncPayload = issueSyncFields
  .refine((payload) => payload.projectId !== undefined && Number.isInteger(Number(payload.projectId)), {
    message: 'projectId is required, a project number',
    path: ['projectId'],
  })
  .transform((payload) => ({ ...payload, operation: issueOperationFor('sync-project-issues', payload) }));

const namesIssue = (payload: { issueId?: string }) => Boolean(payload.issueId);
const issueIdRequired = { message: 'issueId is required', path: ['issueId'] };

/** `refresh-issue` names the tracker's issue. */
export const refreshIssuePayload = issueSyncFields
  .refine(namesIssue, issueIdRequired)
  .transform((payload) => ({ ...payload, operation: issueOperationFor('refresh-issue', payload) }));

/** `update-issue` names the tracker's issue and what to change. */
export const updateIssuePayload = issueSyncFields
  .refine(namesIssue, issueIdRequired)
  .transform((payload) => ({ ...payload, operation: issueOperationFor('update-issue', payload) }));

/** `create-issue` carries what to create. */
export const createIssuePayload = issueSyncFields
  .refine((payload) => Boolean(issueOperationFor('create-issue', payload).title), {
    message: 'data.title is required',
    path: ['data', 'title'],
  })
  .transform((payload) => ({ ...payload, operation: issueOperationFor('create-issue', payload) }));

/** What issueSyncWorkflow takes: `sync-issues` or `sync-project-issues`. */
export type IssueSyncPayload = z.output<typeof issueSyncPayload> | z.output<typeof projectIssueSyncPayload>;
export type RefreshIssuePayload = z.output<typeof refreshIssuePayload>;
/** What writeIssueWorkflow takes: `create-issue` or `update-issue`. */
export type WriteIssuePayload = z.output<typeof createIssuePayload> | z.output<typeof updateIssuePayload>;

// ---------------------------------------------------------------- testmo-imports
export const testmoImportPayload = z.object({
  jobId: z.string().min(1),
  mode: z.enum(['analyze', 'import']).default('analyze'),
  tenantId,
});

// ---------------------------------------------------------------- elasticsearch-reindex
export const reindexPayload = z.object({
  entityType: z.enum(REINDEX_ENTITY_TYPES).default('all'),
  projectId: z.number().int().positive().optional(),
  userId: z.string().min(1),
  tenantId,
});

// ---------------------------------------------------------------- audit-logs
const fieldChange = z.object({ old: z.unknown(), new: z.unknown() });

export const auditEventPayload = z.object({
  event: z.object({
    action: z.enum(AUDIT_ACTIONS),
    entityType: z.string().min(1).max(100),
    entityId: z.string().min(1),
    entityName: z.string().optional(),
    changes: z.record(z.string(), fieldChange.partial()).optional(),
    projectId: z.number().int().optional(),
    userId: z.string().optional(),
    userEmail: z.string().optional(),
    userName: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  context: z
    .object({
      ipAddress: z.string().optional(),
      userAgent: z.string().optional(),
      requestId: z.string().optional(),
      userId: z.string().optional(),
      userEmail: z.string().optional(),
      userName: z.string().optional(),
    })
    .nullable()
    .optional(),
  queuedAt: z.string().min(1),
  tenantId,
});

export type UpdateSingleCaseForecastPayload = z.infer<typeof updateSingleCaseForecastPayload>;
export type TenantOnlyPayload = z.infer<typeof tenantOnlyPayload>;
export type CreateNotificationPayload = z.infer<typeof createNotificationPayload>;
export type ProcessUserNotificationsPayload = z.infer<typeof processUserNotificationsPayload>;
export type SendNotificationEmailPayload = z.infer<typeof sendNotificationEmailPayload>;
export type SendDigestEmailPayload = z.infer<typeof sendDigestEmailPayload>;
export type TestmoImportPayload = z.infer<typeof testmoImportPayload>;
export type ReindexPayload = z.infer<typeof reindexPayload>;
export type AuditEventPayload = z.infer<typeof auditEventPayload>;

/** Renders zod issues as `path: message` pairs, so a failed job says exactly which field is wrong. */
export function describePayloadIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}
