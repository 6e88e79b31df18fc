/**
 * The searchable entity types of TestPlanIt's reindex job (contract section 8), their index
 * bases, and the order a full reindex builds them in.
 */
import type { EntityIndexBase } from '../tenancy/elasticsearch';

export const SEARCH_ENTITIES = [
  'projects',
  'repositoryCases',
  'sharedSteps',
  'testRuns',
  'sessions',
  'issues',
  'milestones',
] as const;
export type SearchEntity = (typeof SEARCH_ENTITIES)[number];

export const INDEX_BASE: Record<SearchEntity, EntityIndexBase> = {
  projects: 'projects',
  repositoryCases: 'repository-cases',
  sharedSteps: 'shared-steps',
  testRuns: 'test-runs',
  sessions: 'sessions',
  issues: 'issues',
  milestones: 'milestones',
};

export function entitiesFor(entityType: 'all' | SearchEntity): SearchEntity[] {
  return entityType === 'all' ? [...SEARCH_ENTITIES] : [entityType];
}
