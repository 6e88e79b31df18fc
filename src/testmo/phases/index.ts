/**
 * The import's phases in dependency order (TestPlanIt's order): each reads one staged dataset and
 * may rely on every phase before it being complete.
 */
import { automationPhases } from './automation';
import { casesPhase, caseStepsPhase, caseTagsPhase, caseValuesPhase } from './cases';
import {
  configurationsPhase,
  fieldOptionsPhase,
  fieldsPhase,
  issueTargetsPhase,
  milestoneTypesPhase,
  statusesPhase,
  tagsPhase,
  templateFieldsPhase,
  templatesPhase,
  usersPhase,
  workflowsPhase,
} from './configuration';
import type { ImportPhase } from './context';
import { issueLinkPhases, issuesPhase } from './issues';
import { foldersPhase, milestonesPhase, projectsPhase, repositoriesPhase } from './projects';
import {
  runCasesPhase,
  runResultsPhase,
  runsPhase,
  runTagsPhase,
  sessionResultsPhase,
  sessionsPhase,
  sessionTagsPhase,
} from './runs';

export type { ImportPhase } from './context';

export const IMPORT_PHASES: readonly ImportPhase[] = [
  workflowsPhase,
  statusesPhase,
  tagsPhase,
  milestoneTypesPhase,
  configurationsPhase,
  templatesPhase,
  fieldsPhase,
  fieldOptionsPhase,
  templateFieldsPhase,
  usersPhase,
  projectsPhase,
  milestonesPhase,
  sessionsPhase,
  sessionResultsPhase,
  sessionTagsPhase,
  repositoriesPhase,
  foldersPhase,
  casesPhase,
  caseStepsPhase,
  caseValuesPhase,
  caseTagsPhase,
  ...automationPhases,
  runsPhase,
  runCasesPhase,
  runResultsPhase,
  runTagsPhase,
  issueTargetsPhase,
  issuesPhase,
  ...issueLinkPhases,
];

/** Without projects there is nothing to import into. */
export const REQUIRED_DATASETS = ['projects'];

export function phaseNamed(entity: string): ImportPhase {
  const phase = IMPORT_PHASES.find((candidate) => candidate.entity === entity);
  if (!phase) throw new Error(`Unknown Testmo import phase "${entity}"`);
  return phase;
}
