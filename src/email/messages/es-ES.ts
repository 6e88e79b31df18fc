import type { EmailMessages } from './types';

// Formal "usted" throughout, as in product emails to colleagues one may not know.
const notificaciones = (count: number) => (count === 1 ? 'notificación' : 'notificaciones');

export const esES: EmailMessages = {
  notificationSubject: (title) => `TestPlanIt: ${title}`,
  greeting: (name) => (name ? `Hola ${name}:` : 'Hola:'),
  viewDetails: 'Ver detalles',
  allNotifications: 'Todas las notificaciones',
  notificationSettings: 'Configuración de notificaciones',
  footerReason: 'Recibe este correo por su configuración de notificaciones en TestPlanIt.',
  footerChangeSettings: 'Cambiarla',

  digestSubject: (count) => `Resumen diario de TestPlanIt - ${count} ${notificaciones(count)}`,
  // "sin leer" is invariable; only the noun takes the plural.
  digestIntro: (count) => `Tiene ${count} ${notificaciones(count)} sin leer de las últimas 24 horas.`,

  workAssignedTitle: 'Nueva asignación de caso de prueba',
  workAssigned: (p) => `${p.assignedBy} le asignó el caso de prueba "${p.testCase}" en el proyecto "${p.project}"`,
  bulkAssignedTitle: 'Nuevas asignaciones de casos de prueba',
  bulkAssigned: (p) => `${p.assignedBy} le asignó ${p.count} casos de prueba`,
  sessionAssignedTitle: 'Nueva asignación de sesión',
  sessionAssigned: (p) => `${p.assignedBy} le asignó la sesión "${p.session}" en el proyecto "${p.project}"`,
  mentionTitle: 'Le mencionaron en un comentario',
  mention: (p) => `${p.author} le mencionó en un comentario sobre "${p.entity}" en el proyecto "${p.project}"`,
  sentBy: (name) => `Enviado por ${name}`,
  milestoneOverdueTitle: 'Hito vencido',
  milestoneOverdue: (p) => `El hito "${p.milestone}" del proyecto "${p.project}" vencía el ${p.due}`,
  milestoneDueTitle: 'Hito próximo a vencer',
  milestoneDue: (p) => `El hito "${p.milestone}" del proyecto "${p.project}" vence el ${p.due}`,
};
