/** The system module's front door: worker heartbeats (what /readyz and the watchdog read). */

export { listHeartbeats, recordHeartbeat, removeHeartbeat } from './heartbeats.repository.js';
