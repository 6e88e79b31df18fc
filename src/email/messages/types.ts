/**
 * Everything an email says, per locale. Every locale's catalogue is typed `EmailMessages`, so a
 * key added here fails to compile until each language has it: no email falls back to English
 * piecemeal. Texts that embed values are functions, so each language orders its sentence (and
 * chooses its plural) itself.
 */
export interface EmailMessages {
  /** Subject of a single notification's email. */
  notificationSubject(title: string): string;
  greeting(userName?: string): string;
  viewDetails: string;
  allNotifications: string;
  notificationSettings: string;
  /** Footer: why the email came, then the link text to the preferences page. */
  footerReason: string;
  footerChangeSettings: string;

  digestSubject(count: number): string;
  digestIntro(count: number): string;

  workAssignedTitle: string;
  workAssigned(p: { assignedBy: string; testCase: string; project: string }): string;
  bulkAssignedTitle: string;
  bulkAssigned(p: { assignedBy: string; count: string }): string;
  sessionAssignedTitle: string;
  sessionAssigned(p: { assignedBy: string; session: string; project: string }): string;
  mentionTitle: string;
  mention(p: { author: string; entity: string; project: string }): string;
  sentBy(name: string): string;
  milestoneOverdueTitle: string;
  /** `due` is already formatted for the locale. */
  milestoneOverdue(p: { milestone: string; project: string; due: string }): string;
  milestoneDueTitle: string;
  milestoneDue(p: { milestone: string; project: string; due: string }): string;
}
