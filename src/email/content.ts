import { formatEmailDay, messagesFor, type EmailLocale } from './messages';
import { richTextToHtml } from './richText';

/**
 * Title and message of a notification email by notification type, built from the notification's
 * `data` as TestPlanIt's web app fills it, in the recipient's language; falls back to the stored
 * title and message (written by the web app when it created the notification).
 */
export interface NotificationContent {
  title: string;
  message: string;
  messageHtml?: string;
}

export function notificationContent(
  notification: { type: string; title: string; message: string; data: unknown },
  locale: EmailLocale,
): NotificationContent {
  const t = messagesFor(locale);
  const data = (notification.data && typeof notification.data === 'object' ? notification.data : {}) as Record<
    string,
    unknown
  >;
  const text = (key: string) =>
    typeof data[key] === 'string' || typeof data[key] === 'number' ? String(data[key]) : undefined;
  const stored = { title: notification.title, message: notification.message };
  switch (notification.type) {
    case 'WORK_ASSIGNED': {
      const assignedBy = text('assignedByName');
      if (data.isBulkAssignment) {
        const count = text('count');
        return assignedBy && count
          ? { title: t.bulkAssignedTitle, message: t.bulkAssigned({ assignedBy, count }) }
          : stored;
      }
      const testCase = text('testCaseName');
      const project = text('projectName');
      return assignedBy && testCase && project
        ? { title: t.workAssignedTitle, message: t.workAssigned({ assignedBy, testCase, project }) }
        : stored;
    }
    case 'SESSION_ASSIGNED': {
      const assignedBy = text('assignedByName');
      const session = text('sessionName') ?? text('entityName');
      const project = text('projectName');
      return assignedBy && session && project
        ? { title: t.sessionAssignedTitle, message: t.sessionAssigned({ assignedBy, session, project }) }
        : stored;
    }
    case 'COMMENT_MENTION': {
      const author = text('creatorName');
      const entity = text('entityName');
      const project = text('projectName');
      return author && entity && project
        ? { title: t.mentionTitle, message: t.mention({ author, entity, project }) }
        : stored;
    }
    case 'SYSTEM_ANNOUNCEMENT': {
      // An announcement's own text is the admin's, in whatever language they wrote it.
      if (typeof data.htmlContent === 'string') return { ...stored, messageHtml: data.htmlContent };
      const rich = richTextToHtml(data.richContent);
      if (rich) return { ...stored, messageHtml: rich };
      const sentBy = text('sentByName');
      return sentBy ? { ...stored, message: `${stored.message}\n\n${t.sentBy(sentBy)}` } : stored;
    }
    case 'MILESTONE_DUE_REMINDER': {
      const milestone = text('milestoneName');
      const project = text('projectName');
      if (!milestone || !project) return stored;
      const dueDate = text('dueDate');
      const due = (dueDate && formatEmailDay(dueDate, locale)) ?? '';
      return data.isOverdue === true
        ? { title: t.milestoneOverdueTitle, message: t.milestoneOverdue({ milestone, project, due }) }
        : { title: t.milestoneDueTitle, message: t.milestoneDue({ milestone, project, due }) };
    }
    default:
      return stored;
  }
}
