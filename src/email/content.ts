import { richTextToHtml } from './richText';

/**
 * Title and message of a notification email by notification type, built from the notification's
 * `data` as TestPlanIt's web app fills it; falls back to the stored title and message.
 */
export interface NotificationContent {
  title: string;
  message: string;
  messageHtml?: string;
}

export function notificationContent(
  notification: { type: string; title: string; message: string; data: unknown },
  locale: string,
): NotificationContent {
  const data = (notification.data && typeof notification.data === 'object' ? notification.data : {}) as Record<
    string,
    unknown
  >;
  const text = (key: string) =>
    typeof data[key] === 'string' || typeof data[key] === 'number' ? String(data[key]) : undefined;
  const stored = { title: notification.title, message: notification.message };
  switch (notification.type) {
    case 'WORK_ASSIGNED':
      if (data.isBulkAssignment) {
        return text('assignedByName') && text('count')
          ? {
              title: 'New test case assignments',
              message: `${text('assignedByName')} assigned you ${text('count')} test cases`,
            }
          : stored;
      }
      return text('assignedByName') && text('testCaseName') && text('projectName')
        ? {
            title: 'New test case assignment',
            message: `${text('assignedByName')} assigned you the test case "${text('testCaseName')}" in project "${text('projectName')}"`,
          }
        : stored;
    case 'SESSION_ASSIGNED': {
      const session = text('sessionName') ?? text('entityName');
      return text('assignedByName') && session && text('projectName')
        ? {
            title: 'New session assignment',
            message: `${text('assignedByName')} assigned you the session "${session}" in project "${text('projectName')}"`,
          }
        : stored;
    }
    case 'COMMENT_MENTION':
      return text('creatorName') && text('entityName') && text('projectName')
        ? {
            title: 'You were mentioned in a comment',
            message: `${text('creatorName')} mentioned you in a comment on "${text('entityName')}" in project "${text('projectName')}"`,
          }
        : stored;
    case 'SYSTEM_ANNOUNCEMENT': {
      if (typeof data.htmlContent === 'string') return { ...stored, messageHtml: data.htmlContent };
      const rich = richTextToHtml(data.richContent);
      if (rich) return { ...stored, messageHtml: rich };
      return text('sentByName') ? { ...stored, message: `${stored.message}\n\nSent by ${text('sentByName')}` } : stored;
    }
    case 'MILESTONE_DUE_REMINDER': {
      if (!text('milestoneName') || !text('projectName')) return stored;
      const due = text('dueDate')
        ? new Date(text('dueDate')!).toLocaleDateString(locale.replace('_', '-'), { timeZone: 'UTC' })
        : '';
      return data.isOverdue === true
        ? {
            title: 'Milestone overdue',
            message: `Milestone "${text('milestoneName')}" in project "${text('projectName')}" was due on ${due}`,
          }
        : {
            title: 'Milestone due soon',
            message: `Milestone "${text('milestoneName')}" in project "${text('projectName')}" is due on ${due}`,
          };
    }
    default:
      return stored;
  }
}
