/** Which catalogue and date format an email gets: pure rules, unit-tested. */
import { emailLocale, formatEmailDateTime, formatEmailDay, validTimeZone } from '../src/email/messages';

test('TestPlanIt’s Locale values pick their catalogue; anything else falls back to en-US', () => {
  expect(emailLocale('fr_FR')).toBe('fr-FR');
  expect(emailLocale('es-ES')).toBe('es-ES');
  expect(emailLocale('en_US')).toBe('en-US');
  expect(emailLocale('de_DE')).toBe('en-US');
  expect(emailLocale('')).toBe('en-US');
  expect(emailLocale(undefined)).toBe('en-US');
});

test('a due day is read in UTC, so no zone shows the day before; an unreadable date gives nothing', () => {
  expect(formatEmailDay('2025-03-14T00:00:00.000Z', 'en-US')).toBe('March 14, 2025');
  expect(formatEmailDay('2025-03-14T00:00:00.000Z', 'es-ES')).toBe('14 de marzo de 2025');
  expect(formatEmailDay('2025-03-14T00:00:00.000Z', 'fr-FR')).toBe('14 mars 2025');
  expect(formatEmailDay('not a date', 'fr-FR')).toBeUndefined();
  expect(formatEmailDateTime('soon', 'fr-FR', 'Europe/Paris')).toBeUndefined();
});

test('an unknown or empty time zone means UTC', () => {
  expect(validTimeZone('Europe/Paris')).toBe('Europe/Paris');
  expect(validTimeZone('Mars/Olympus_Mons')).toBe('UTC');
  expect(validTimeZone('')).toBe('UTC');
  expect(formatEmailDateTime('2025-03-14T09:30:00.000Z', 'fr-FR', 'Nowhere/Else')).toBe('14 mars 2025 à 09:30');
});
