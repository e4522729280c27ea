/**
 * The sessions module's front door: the console's one-time sign-in links and browser sessions.
 * sessions.repository.ts is private to the module.
 */

export { CONSOLE_LIVE_TOKEN_PREFIX, consoleLiveToken, createSessionsService, LOGIN_LINK_LIFETIME_MS, SIGN_IN_PATH, type ConsoleSession, type SessionMeta, type SessionsService } from './sessions.service.js';
