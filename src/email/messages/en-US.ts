import type { EmailMessages } from './types';

const notifications = (count: number) => (count === 1 ? 'notification' : 'notifications');

export const enUS: EmailMessages = {
  notificationSubject: (title) => `TestPlanIt: ${title}`,
  greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
  viewDetails: 'View details',
  allNotifications: 'All notifications',
  notificationSettings: 'Notification settings',
  footerReason: 'You receive this email because of your notification settings in TestPlanIt.',
  footerChangeSettings: 'Change them',

  digestSubject: (count) => `TestPlanIt Daily Digest - ${count} ${notifications(count)}`,
  digestIntro: (count) => `You have ${count} unread ${notifications(count)} from the last 24 hours.`,

  workAssignedTitle: 'New test case assignment',
  workAssigned: (p) => `${p.assignedBy} assigned you the test case "${p.testCase}" in project "${p.project}"`,
  bulkAssignedTitle: 'New test case assignments',
  bulkAssigned: (p) => `${p.assignedBy} assigned you ${p.count} test cases`,
  sessionAssignedTitle: 'New session assignment',
  sessionAssigned: (p) => `${p.assignedBy} assigned you the session "${p.session}" in project "${p.project}"`,
  mentionTitle: 'You were mentioned in a comment',
  mention: (p) => `${p.author} mentioned you in a comment on "${p.entity}" in project "${p.project}"`,
  sentBy: (name) => `Sent by ${name}`,
  milestoneOverdueTitle: 'Milestone overdue',
  milestoneOverdue: (p) => `Milestone "${p.milestone}" in project "${p.project}" was due on ${p.due}`,
  milestoneDueTitle: 'Milestone due soon',
  milestoneDue: (p) => `Milestone "${p.milestone}" in project "${p.project}" is due on ${p.due}`,
};
