/**
 * The tracker client for one of a tenant's Integration rows, authenticated the way TestPlanIt
 * stores it: API_KEY (Jira: `email` + `apiToken`), PERSONAL_ACCESS_TOKEN (`personalAccessToken`),
 * OAUTH2 (the user's UserIntegrationAuth token, refused once expired). Credentials may be stored
 * encrypted (`{encrypted}`) and OAuth tokens always are, under TestPlanIt's ENCRYPTION_KEY.
 * Endpoints come from `settings` (`baseUrl`, Azure DevOps `organizationUrl`).
 */
import { createAzureDevOpsTracker } from './azureDevOps';
import { TrackerAuthFailed, TrackerError } from './errors';
import { createGitHubTracker } from './github';
import { createJiraTracker } from './jira';
import { decryptSecret } from './secrets';
import type { IssueTracker, TrackerAuth } from './types';

export interface IntegrationRow {
  id: number;
  name: string;
  provider: 'JIRA' | 'GITHUB' | 'AZURE_DEVOPS' | 'SIMPLE_URL';
  authType: 'NONE' | 'OAUTH2' | 'PERSONAL_ACCESS_TOKEN' | 'API_KEY';
  credentials: unknown;
  settings: unknown;
}

export interface UserAuthRow {
  accessToken: string;
  tokenExpiresAt: Date | null;
}

type Credentials = { email?: string; apiToken?: string; personalAccessToken?: string };

function secret(value: string, encryptionKey: string | undefined): string {
  if (!encryptionKey) return value;
  try {
    return decryptSecret(value, encryptionKey);
  } catch {
    // Stored in clear (an older row, or a test fixture).
    return value;
  }
}

function credentialsOf(integration: IntegrationRow, encryptionKey: string | undefined): Credentials {
  const raw = integration.credentials;
  if (raw && typeof raw === 'object' && 'encrypted' in raw) {
    if (!encryptionKey)
      throw new TrackerAuthFailed(
        `Credentials of integration "${integration.name}" are encrypted and ENCRYPTION_KEY is not set`,
      );
    try {
      return JSON.parse(decryptSecret(String((raw as { encrypted: unknown }).encrypted), encryptionKey)) as Credentials;
    } catch {
      throw new TrackerAuthFailed(
        `Credentials of integration "${integration.name}" cannot be decrypted with ENCRYPTION_KEY`,
      );
    }
  }
  return (raw && typeof raw === 'object' ? raw : {}) as Credentials;
}

function authOf(
  integration: IntegrationRow,
  userAuth: UserAuthRow | undefined,
  encryptionKey: string | undefined,
  now: Date,
): TrackerAuth {
  const name = `integration "${integration.name}"`;
  if (integration.authType === 'OAUTH2') {
    if (!userAuth) throw new TrackerAuthFailed(`No OAuth authorization of this user for ${name}`);
    if (userAuth.tokenExpiresAt && userAuth.tokenExpiresAt <= now) {
      throw new TrackerAuthFailed(
        `The OAuth token for ${name} expired at ${userAuth.tokenExpiresAt.toISOString()}; the user must reconnect`,
      );
    }
    return { kind: 'bearer', token: secret(userAuth.accessToken, encryptionKey) };
  }
  const credentials = credentialsOf(integration, encryptionKey);
  if (integration.authType === 'API_KEY') {
    if (integration.provider === 'JIRA') {
      if (!credentials.email || !credentials.apiToken)
        throw new TrackerAuthFailed(`${name} needs credentials.email and credentials.apiToken`);
      return { kind: 'basic', user: credentials.email, token: credentials.apiToken };
    }
    const token = credentials.apiToken ?? credentials.personalAccessToken;
    if (!token) throw new TrackerAuthFailed(`${name} has no API key in its credentials`);
    return { kind: 'bearer', token };
  }
  if (integration.authType === 'PERSONAL_ACCESS_TOKEN') {
    if (!credentials.personalAccessToken) throw new TrackerAuthFailed(`${name} has no credentials.personalAccessToken`);
    return integration.provider === 'AZURE_DEVOPS'
      ? { kind: 'basic', user: '', token: credentials.personalAccessToken }
      : { kind: 'bearer', token: credentials.personalAccessToken };
  }
  throw new TrackerAuthFailed(`${name} has auth type ${integration.authType}, which cannot call its tracker`);
}

export function trackerFor(
  integration: IntegrationRow,
  userAuth: UserAuthRow | undefined,
  encryptionKey: string | undefined,
  now = new Date(),
): IssueTracker {
  const settings = (
    integration.settings && typeof integration.settings === 'object' ? integration.settings : {}
  ) as Record<string, unknown>;
  const setting = (key: string) => (typeof settings[key] === 'string' ? (settings[key] as string) : undefined);
  switch (integration.provider) {
    case 'JIRA': {
      const baseUrl = setting('baseUrl');
      if (!baseUrl) throw new TrackerAuthFailed(`Jira integration "${integration.name}" has no settings.baseUrl`);
      return createJiraTracker(baseUrl, authOf(integration, userAuth, encryptionKey, now));
    }
    case 'GITHUB':
      return createGitHubTracker(setting('baseUrl'), authOf(integration, userAuth, encryptionKey, now));
    case 'AZURE_DEVOPS': {
      const organizationUrl = setting('organizationUrl') ?? setting('baseUrl');
      if (!organizationUrl)
        throw new TrackerAuthFailed(`Azure DevOps integration "${integration.name}" has no settings.organizationUrl`);
      return createAzureDevOpsTracker(organizationUrl, authOf(integration, userAuth, encryptionKey, now));
    }
    default:
      throw new TrackerError(
        `Integration "${integration.name}" (${integration.provider}) has no issue API to sync with`,
        undefined,
        false,
      );
  }
}
