/**
 * The on-call module's front door: schedules, overrides, contact methods, test pages, and what the
 * escalation engine asks (who is on call, who can be reached). oncall.repository.ts is private to the
 * module.
 */

export {
  createOncallService,
  toOverride,
  toRotation,
  type DutyOnCall,
  type OnCallModel,
  type OnCallStretch,
  type OncallService,
  type ScheduleModel,
  type ScheduleView,
} from './oncall.service.js';
export { createTestPageService } from './test-page.js';
export { seedDemoOnCall } from './oncall.seed.js';
export { formatInZone, onCallAt } from './rotation.js';
export { auditTarget, checkEmailTarget, checkWebhookTarget, generateWebhookSecret } from './contact-targets.js';
export type { ContactMethodRow, OverrideRow } from './oncall.repository.js';
// Reads the escalations module makes while routing and paging.
export { findSchedulesWithActiveOverrides, listScheduledDutyIds, listUsableContactMethodOwners, usersWithWorkingContactMethod } from './oncall.repository.js';
