/**
 * Credentials never leave the process in text: a connection URL's password (Valkey, PostgreSQL,
 * SMTP, Elasticsearch) is replaced before a line is logged or a failure message is stored on a
 * job or in a workflow history. Dependency-free, so every layer can use it.
 */

/** `scheme://user:password@host` and `scheme://:password@host` lose the password. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]*):([^\s/@]+)@/gi;

export function redactCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@');
}
