/**
 * Search attributes every job workflow carries, so operators can filter the Web UI and
 * `temporal workflow list` by tenant, queue and job name. Registered on the dev server by
 * scripts/infra.sh; on a self-hosted cluster with `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const JOB_QUEUE = defineSearchAttributeKey('JobQueue', SearchAttributeType.KEYWORD);
export const JOB_NAME = defineSearchAttributeKey('JobName', SearchAttributeType.KEYWORD);

/** The search attributes of one job's workflow. */
export function jobSearchAttributes(tenantKey: string, queue: string, jobName: string): SearchAttributePair[] {
  return [
    { key: TENANT_ID, value: tenantKey },
    { key: JOB_QUEUE, value: queue },
    { key: JOB_NAME, value: jobName },
  ];
}
