// Every workflow type the workers register; the bridge's routes name them (src/jobs/routes.ts).
export { auditEventBatchWorkflow, auditEventWorkflow } from './auditEvent';
export {
  createNotificationWorkflow,
  processUserNotificationsWorkflow,
  sendDailyDigestWorkflow,
  sendDigestEmailWorkflow,
  sendNotificationEmailWorkflow,
} from './notifications';
export {
  autoCompleteMilestonesWorkflow,
  milestoneDueNotificationsWorkflow,
  updateAllCasesForecastWorkflow,
  updateSingleCaseForecastWorkflow,
} from './forecasts';
export { rebuildEntityWorkflow, reindexWorkflow } from './reindex';
export { issueSyncWorkflow, refreshIssueWorkflow, writeIssueWorkflow } from './issueSync';
export { testmoImportWorkflow } from './testmoImport';
