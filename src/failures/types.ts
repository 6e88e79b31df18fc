/**
 * Every failure type this project raises, with whether a retry can cure it: the one table an
 * operator reads to know what a `type` on a failed workflow or activity means, and the one place
 * retryability is decided for it. Activities and workflows raise them through `failure()`;
 * failures nobody raised on purpose are converted once, by the activity interceptor
 * (conversion.ts), into the dynamic families at the end. Dependency-free apart from
 * @temporalio/common, so workflow code may import it.
 */
import { ApplicationFailure, type Duration } from '@temporalio/common';

export const FAILURE_TYPES = {
  // Tenancy and configuration
  TenancyError: { retryable: false, meaning: 'the job names no tenant, or one that is not configured' },
  EmailNotConfigured: { retryable: false, meaning: 'no SMTP server configured (EMAIL_SERVER_HOST, EMAIL_FROM)' },
  SearchNotConfigured: { retryable: false, meaning: 'the tenant has no Elasticsearch node' },
  // Missing or unusable rows in the tenant's database
  UserNotFound: { retryable: false, meaning: 'the user the job names does not exist' },
  NotificationNotFound: { retryable: false, meaning: 'the notification the job names does not exist' },
  MissingEmailAddress: { retryable: false, meaning: 'the recipient has no email address' },
  IntegrationNotFound: { retryable: false, meaning: 'the integration the job names does not exist' },
  IssueNotFound: { retryable: false, meaning: 'the issue the job names does not exist' },
  ProjectNotLinked: { retryable: false, meaning: 'the project has no tracker project for the integration' },
  // Email delivery
  SmtpPermanentError: { retryable: false, meaning: 'the SMTP server refused the message (5xx)' },
  SmtpTransientError: { retryable: true, meaning: 'the SMTP server could not take the message now (4xx, network)' },
  DigestFailed: { retryable: false, meaning: 'every user’s daily digest failed' },
  // Issue trackers (Jira, GitHub, Azure DevOps)
  TrackerAuthFailed: { retryable: false, meaning: 'the tracker refused the credentials (401/403)' },
  TrackerRateLimited: { retryable: true, meaning: 'the tracker asked to wait (429); retried after its Retry-After' },
  TrackerUnavailable: { retryable: true, meaning: 'the tracker failed or timed out (5xx, network)' },
  TrackerRequestFailed: { retryable: false, meaning: 'the tracker refused the request (other 4xx)' },
  TrackerStatusUnavailable: {
    retryable: false,
    meaning: 'no transition of the issue’s Jira workflow leads to the requested status',
  },
  // Elasticsearch
  SearchWriteFailed: { retryable: true, meaning: 'a bulk request or the cluster failed' },
  DocumentRejected: { retryable: false, meaning: 'Elasticsearch refused a document (mapping conflict)' },
  ReindexFailed: { retryable: false, meaning: 'a rebuild failed; its new index was dropped and the alias left alone' },
  // Testmo import
  TestmoExportFormatError: { retryable: false, meaning: 'the export is not valid Testmo JSON' },
  ExportUnavailableError: { retryable: false, meaning: 'the uploaded export cannot be read from storage' },
  ImportJobMissingError: { retryable: false, meaning: 'the import job row does not exist in the tenant' },
  ImportConfigurationError: { retryable: false, meaning: 'the import configuration is incomplete or wrong' },
  ImportPrerequisiteError: { retryable: false, meaning: 'something the import needs is missing in the tenant' },
  ImportDataError: {
    retryable: false,
    meaning: 'a row of the export cannot be imported as it is; the message names it',
  },
  TestmoImportFailed: { retryable: false, meaning: 'the import failed; the job row says why' },
  // Internal
  InvalidWorkflowInput: { retryable: false, meaning: 'a workflow was started with an input it cannot run' },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>;

/**
 * Converted by the interceptor, not raised: `Prisma<code>` (non-retryable for P2xxx data errors
 * but P2024/P2028/P2034), `PrismaValidationError` (non-retryable), `Postgres<SQLSTATE>`
 * (non-retryable for classes 22 and 23), and any other error's `name` (retryable).
 */
export type FailureType = keyof typeof FAILURE_TYPES;

export function isFailureType(type: string): type is FailureType {
  return Object.prototype.hasOwnProperty.call(FAILURE_TYPES, type);
}

/** An ApplicationFailure of `type`, retryable as the table says. */
export function failure(
  type: FailureType,
  message: string,
  options: { nextRetryDelay?: Duration; cause?: Error } = {},
): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: !FAILURE_TYPES[type].retryable, ...options });
}
