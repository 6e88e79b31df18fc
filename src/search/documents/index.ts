import type { SearchEntity } from '../entities';
import { issueSource } from './issues';
import { milestoneSource } from './milestones';
import { projectSource } from './projects';
import { repositoryCaseSource } from './repositoryCases';
import { sessionSource } from './sessions';
import { sharedStepSource } from './sharedSteps';
import type { DocumentSource } from './source';
import { testRunSource } from './testRuns';

export { serializedDocuments } from './source';
export type { DocumentScope, DocumentSource, SearchDocument, SerializedDocument } from './source';

export const DOCUMENT_SOURCES: Record<SearchEntity, DocumentSource> = {
  projects: projectSource,
  repositoryCases: repositoryCaseSource,
  sharedSteps: sharedStepSource,
  testRuns: testRunSource,
  sessions: sessionSource,
  issues: issueSource,
  milestones: milestoneSource,
};
