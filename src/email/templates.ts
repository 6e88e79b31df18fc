/**
 * Renders the notification and daily-digest emails: Handlebars HTML in a shared layout, plus a
 * plain-text part with the same content and links, every word from the recipient's locale's
 * catalogue (messages/). Templates are compiled once per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { formatEmailDateTime, messagesFor, type EmailLocale, type EmailMessages } from './messages';

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
  /** The language of every word and date in the email (see messages/index.ts). */
  locale: EmailLocale;
  /** The user's time zone, for the times of day in a digest. */
  timeZone?: string;
  notificationsUrl: string;
  preferencesUrl: string;
}

/** The fixed texts the templates show, in the email's language. */
function labels(t: EmailMessages) {
  return {
    viewDetails: t.viewDetails,
    allNotifications: t.allNotifications,
    footerReason: t.footerReason,
    footerChangeSettings: t.footerChangeSettings,
  };
}

function wrap(subject: string, body: string, common: Common): string {
  return template('layout')({
    subject,
    body,
    lang: common.locale,
    preferencesUrl: common.preferencesUrl,
    t: labels(messagesFor(common.locale)),
  });
}

function footerLines(t: EmailMessages, common: Common): string[] {
  return [
    '',
    `${t.allNotifications}: ${common.notificationsUrl}`,
    `${t.notificationSettings}: ${common.preferencesUrl}`,
  ];
}

export function renderNotificationEmail(
  input: Common & { title: string; message: string; messageHtml?: string; url?: string },
): RenderedEmail {
  const t = messagesFor(input.locale);
  const subject = t.notificationSubject(input.title);
  const greeting = t.greeting(input.userName);
  const body = template('notification')({ ...input, greeting, t: labels(t) });
  const text = [
    greeting,
    '',
    input.title,
    '',
    input.message,
    ...(input.url ? ['', `${t.viewDetails}: ${input.url}`] : []),
    ...footerLines(t, input),
  ].join('\n');
  return { subject, html: wrap(subject, body, input), text };
}

export interface DigestItem {
  title: string;
  message: string;
  /** When the notification was created (ISO); shown in the user's locale and time zone. */
  createdAt: string;
  url?: string;
}

export function renderDigestEmail(input: Common & { notifications: DigestItem[] }): RenderedEmail {
  const t = messagesFor(input.locale);
  const count = input.notifications.length;
  const subject = t.digestSubject(count);
  const greeting = t.greeting(input.userName);
  const intro = t.digestIntro(count);
  // An unparseable date from an old web app's payload is shown as it came rather than dropped.
  const notifications = input.notifications.map((item) => ({
    ...item,
    createdAt: formatEmailDateTime(item.createdAt, input.locale, input.timeZone) ?? item.createdAt,
  }));
  const body = template('daily-digest')({ ...input, notifications, greeting, intro, t: labels(t) });
  const text = [
    greeting,
    '',
    intro,
    ...notifications.flatMap((item) => [
      '',
      `* ${item.title}`,
      `  ${item.message}`,
      ...(item.url ? [`  ${item.url}`] : []),
      `  ${item.createdAt}`,
    ]),
    ...footerLines(t, input),
  ].join('\n');
  return { subject, html: wrap(subject, body, input), text };
}
