/**
 * Where a notification email links to, following TestPlanIt's routes:
 * /<locale>/projects/{runs|sessions|milestones|repository}/<projectId>/<id>, under the tenant's base URL.
 */
export interface NotificationLinkInput {
  type: string;
  data: Record<string, unknown>;
  baseUrl: string;
  /** TestPlanIt's Locale enum value, e.g. en_US; URLs use en-US. */
  locale: string;
}

export function localeForUrl(locale: string): string {
  return locale.replace('_', '-');
}

export function notificationUrl({ type, data, baseUrl, locale }: NotificationLinkInput): string | undefined {
  const root = `${baseUrl.replace(/\/+$/, '')}/${localeForUrl(locale)}/projects`;
  const has = (...keys: string[]) =>
    keys.every((key) => data[key] !== undefined && data[key] !== null && data[key] !== '');
  switch (type) {
    case 'WORK_ASSIGNED':
      if (data.isBulkAssignment || !has('projectId', 'testRunId', 'testCaseId')) return undefined;
      return `${root}/runs/${data.projectId}/${data.testRunId}?selectedCase=${data.testCaseId}`;
    case 'SESSION_ASSIGNED':
      return has('projectId', 'sessionId') ? `${root}/sessions/${data.projectId}/${data.sessionId}` : undefined;
    case 'MILESTONE_DUE_REMINDER':
      return has('projectId', 'milestoneId') ? `${root}/milestones/${data.projectId}/${data.milestoneId}` : undefined;
    case 'COMMENT_MENTION': {
      if (!has('projectId') || !data.hasProjectAccess) return undefined;
      const target: Record<string, [string, string]> = {
        RepositoryCase: ['repository', 'repositoryCaseId'],
        TestRun: ['runs', 'testRunId'],
        Session: ['sessions', 'sessionId'],
        Milestone: ['milestones', 'milestoneId'],
      };
      const route = target[String(data.entityType)];
      return route && has(route[1]) ? `${root}/${route[0]}/${data.projectId}/${data[route[1]]}` : undefined;
    }
    default:
      return undefined;
  }
}

export function notificationsPageUrl(baseUrl: string, locale: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${localeForUrl(locale)}/notifications`;
}
