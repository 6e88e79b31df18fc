/**
 * Search attributes every job workflow carries, so operators can filter the Web UI and
 * `temporal workflow list` by tenant, queue and job name. Registered on the dev server by
 * scripts/infra.sh; on a self-hosted cluster with `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const JOB_QUEUE = defineSearchAttributeKey('JobQueue', SearchAttributeType.KEYWORD);
export const JOB_NAME = defineSearchAttributeKey('JobName', SearchAttributeType.KEYWORD);
