import type { EmailMessages } from './types';

// French puts 0 and 1 in the singular.
const plural = (count: number, one: string, many: string) => (count > 1 ? many : one);

export const frFR: EmailMessages = {
  notificationSubject: (title) => `TestPlanIt : ${title}`,
  greeting: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
  viewDetails: 'Voir les détails',
  allNotifications: 'Toutes les notifications',
  notificationSettings: 'Paramètres de notification',
  footerReason: 'Vous recevez cet e-mail en raison de vos paramètres de notification dans TestPlanIt.',
  footerChangeSettings: 'Les modifier',

  digestSubject: (count) => `Résumé quotidien TestPlanIt - ${count} ${plural(count, 'notification', 'notifications')}`,
  digestIntro: (count) =>
    `Vous avez ${count} ${plural(count, 'notification non lue', 'notifications non lues')} des dernières 24 heures.`,

  workAssignedTitle: 'Nouveau cas de test assigné',
  workAssigned: (p) => `${p.assignedBy} vous a assigné le cas de test « ${p.testCase} » du projet « ${p.project} »`,
  bulkAssignedTitle: 'Nouveaux cas de test assignés',
  bulkAssigned: (p) => `${p.assignedBy} vous a assigné ${p.count} cas de test`,
  sessionAssignedTitle: 'Nouvelle session assignée',
  sessionAssigned: (p) => `${p.assignedBy} vous a assigné la session « ${p.session} » du projet « ${p.project} »`,
  mentionTitle: 'Vous avez été mentionné dans un commentaire',
  mention: (p) => `${p.author} vous a mentionné dans un commentaire sur « ${p.entity} » du projet « ${p.project} »`,
  sentBy: (name) => `Envoyé par ${name}`,
  milestoneOverdueTitle: 'Jalon en retard',
  milestoneOverdue: (p) => `Le jalon « ${p.milestone} » du projet « ${p.project} » était dû le ${p.due}`,
  milestoneDueTitle: 'Jalon bientôt dû',
  milestoneDue: (p) => `Le jalon « ${p.milestone} » du projet « ${p.project} » est dû le ${p.due}`,
};
