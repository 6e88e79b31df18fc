import { createAuditActivities } from './audit';
import type { ActivityDeps } from './deps';
import { createForecastActivities } from './forecasts';
import { createIssueSyncActivities } from './issueSync';
import { createNotificationActivities } from './notifications';
import { createSearchActivities } from './search';
import { createTestmoImportActivities } from './testmoImport';

export type { ActivityDeps } from './deps';

/** All activities, built over their dependencies; the worker registers the whole set. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createAuditActivities(deps),
    ...createNotificationActivities(deps),
    ...createForecastActivities(deps),
    ...createSearchActivities(deps),
    ...createIssueSyncActivities(deps),
    ...createTestmoImportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
