/**
 * Renders the notification and daily-digest emails: Handlebars HTML in a shared layout, plus a
 * plain-text part with the same content and links. Templates are compiled once per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = path.join(__dirname, 'templates');

// Links are built by this project from ids; escaping them for an attribute needs only these
// characters, and leaves "=" in query strings readable (Handlebars' default would encode it).
Handlebars.registerHelper(
  'href',
  (url: unknown) =>
    new Handlebars.SafeString(
      String(url ?? '').replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
      ),
    ),
);
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function template(name: string): Handlebars.TemplateDelegate {
  let found = compiled.get(name);
  if (!found) {
    found = Handlebars.compile(fs.readFileSync(path.join(TEMPLATE_DIR, `${name}.hbs`), 'utf8'), { strict: false });
    compiled.set(name, found);
  }
  return found;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Common {
  userName?: string;
  locale: string;
  notificationsUrl: string;
  preferencesUrl: string;
}

function wrap(subject: string, body: string, common: Common): string {
  return template('layout')({
    subject,
    body,
    lang: common.locale.replace('_', '-'),
    preferencesUrl: common.preferencesUrl,
  });
}

export function renderNotificationEmail(
  input: Common & { title: string; message: string; messageHtml?: string; url?: string },
): RenderedEmail {
  const subject = `TestPlanIt: ${input.title}`;
  const body = template('notification')(input);
  const text = [
    input.userName ? `Hello ${input.userName},` : 'Hello,',
    '',
    input.title,
    '',
    input.message,
    ...(input.url ? ['', `View details: ${input.url}`] : []),
    '',
    `All notifications: ${input.notificationsUrl}`,
    `Notification settings: ${input.preferencesUrl}`,
  ].join('\n');
  return { subject, html: wrap(subject, body, input), text };
}

export interface DigestItem {
  title: string;
  message: string;
  createdAt: string;
  url?: string;
}

export function renderDigestEmail(input: Common & { notifications: DigestItem[] }): RenderedEmail {
  const count = input.notifications.length;
  const subject = `TestPlanIt Daily Digest - ${count} notifications`;
  const body = template('daily-digest')({ ...input, count, single: count === 1 });
  const text = [
    input.userName ? `Hello ${input.userName},` : 'Hello,',
    '',
    `You have ${count} unread ${count === 1 ? 'notification' : 'notifications'} from the last 24 hours.`,
    ...input.notifications.flatMap((item) => [
      '',
      `* ${item.title}`,
      `  ${item.message}`,
      ...(item.url ? [`  ${item.url}`] : []),
      `  ${item.createdAt}`,
    ]),
    '',
    `All notifications: ${input.notificationsUrl}`,
    `Notification settings: ${input.preferencesUrl}`,
  ].join('\n');
  return { subject, html: wrap(subject, body, input), text };
}
