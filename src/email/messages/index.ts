/**
 * The language of an email: the user's `UserPreferences.locale` (TestPlanIt's enum spells it
 * `fr_FR`, its URLs and message files `fr-FR`), falling back to en-US for anything else, and
 * dates formatted for that locale with Intl.DateTimeFormat.
 */
import { enUS } from './en-US';
import { esES } from './es-ES';
import { frFR } from './fr-FR';
import type { EmailMessages } from './types';

export type { EmailMessages } from './types';

const CATALOGUES = { 'en-US': enUS, 'es-ES': esES, 'fr-FR': frFR } as const satisfies Record<string, EmailMessages>;

export type EmailLocale = keyof typeof CATALOGUES;
export const DEFAULT_EMAIL_LOCALE: EmailLocale = 'en-US';

function isEmailLocale(tag: string): tag is EmailLocale {
  return Object.prototype.hasOwnProperty.call(CATALOGUES, tag);
}

/** `fr_FR` or `fr-FR` to `fr-FR`; a locale without a catalogue (or none) to en-US. */
export function emailLocale(locale: string | null | undefined): EmailLocale {
  const tag = (locale ?? '').replace('_', '-');
  return isEmailLocale(tag) ? tag : DEFAULT_EMAIL_LOCALE;
}

export function messagesFor(locale: EmailLocale): EmailMessages {
  return CATALOGUES[locale];
}

/** A time zone Intl accepts; TestPlanIt stores free text (default `Etc/UTC`), so a bad one means UTC. */
export function validTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/**
 * A calendar date (a milestone's due date), as `14 mars 2025`. TestPlanIt stores such dates at
 * midnight UTC, so they are read in UTC: a user west of Greenwich must not see the day before.
 */
export function formatEmailDay(value: Date | string, locale: EmailLocale): string | undefined {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/** An instant (when a notification was created), with the time of day in the user's time zone. */
export function formatEmailDateTime(value: Date | string, locale: EmailLocale, timeZone?: string): string | undefined {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: validTimeZone(timeZone),
  }).format(date);
}
