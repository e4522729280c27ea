import { capText, multiLineText, quoteBlock, quoteLine, singleLineText } from '../../text.js';

/**
 * What a notification says. E-mail, SMS and webhook payloads leave the hub's control, so for AMBER,
 * AMBER_STRICT and RED incidents, and for any law-enforcement-sensitive one, they carry only the
 * reference, severity, category, affected counties, TLP label, exercise flag and a link into the hub
 * (access-policy.md, "What leaves the hub"). CLEAR and GREEN may also carry title and summary.
 *
 * Title and summary are the filer's words inside the hub's message: they are rendered so that they cannot
 * pass for a line of the hub's own (a forged "Acknowledge:" link, a fake severity): the title on one line in
 * quotes, the summary behind `> ` on every line, both cut to a length, bidi controls removed.
 */

/** How much of the filer's text a message carries; the rest is in the hub. */
export const MESSAGE_TEXT_LIMITS = { title: 200, summaryChars: 2_000, summaryLines: 40 } as const;

export interface MessageIncident {
  id: string;
  reference: string;
  title: string;
  summary: string;
  category: string;
  domain: string;
  severity: string;
  status: string;
  tlp: string;
  lawEnforcementSensitive: boolean;
  exercise: boolean;
  affectedCounties: string[];
}

export interface MessageContext {
  kind: 'PAGE' | 'NOTIFY';
  incident: MessageIncident;
  ruleName: string;
  level: number;
  notificationId: string;
  escalationId: string;
  /** The incident's page in the console (`consoleIncidentUrl`): signing in and the access policy decide what it shows. */
  incidentUrl: string;
  /** Acknowledgement link (pages only). */
  ackUrl: string | null;
}

export const EXERCISE_BANNER = 'EXERCISE EXERCISE EXERCISE';

/**
 * Where every message's "Open" link goes: the incident's console page. The id, not the reference, so the
 * link names nothing that is not already in the message; the console asks the recipient to sign in.
 */
export function consoleIncidentUrl(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/incidents/${encodeURIComponent(incidentId)}`;
}

export function mayCarryContent(i: Pick<MessageIncident, 'tlp' | 'lawEnforcementSensitive'>): boolean {
  return (i.tlp === 'CLEAR' || i.tlp === 'GREEN') && !i.lawEnforcementSensitive;
}

function countiesLabel(counties: string[]): string {
  if (counties.length === 0) return 'statewide';
  if (counties.length <= 3) return counties.join(', ');
  return `${counties.slice(0, 3).join(', ')} +${counties.length - 3}`;
}

/** `[ESTF][CRITICAL] ESTF-2026-00042 RANSOMWARE — Los Angeles`, with the exercise banner first when it is one. */
export function subjectOf(m: MessageContext): string {
  const i = m.incident;
  const subject = `[ESTF][${i.severity}] ${i.reference} ${i.category} — ${countiesLabel(i.affectedCounties)}`;
  return i.exercise ? `${EXERCISE_BANNER} ${subject}` : subject;
}

export function textOf(m: MessageContext): string {
  const i = m.incident;
  const lines: string[] = [];
  if (i.exercise) lines.push(EXERCISE_BANNER, '');
  lines.push(
    m.kind === 'PAGE' ? `You are paged (rule ${m.ruleName}, level ${m.level + 1}).` : `For your information (rule ${m.ruleName}).`,
    '',
    `Incident:  ${i.reference}`,
    `Severity:  ${i.severity}`,
    `Category:  ${i.category} (${i.domain})`,
    `Counties:  ${countiesLabel(i.affectedCounties)}`,
    `TLP:       ${i.tlp}${i.lawEnforcementSensitive ? ' (law-enforcement sensitive)' : ''}`,
  );
  if (mayCarryContent(i)) {
    lines.push(
      '',
      `Title:     ${quoteLine(i.title, MESSAGE_TEXT_LIMITS.title)}`,
      '',
      'Summary, as filed:',
      quoteBlock(i.summary, MESSAGE_TEXT_LIMITS.summaryChars, MESSAGE_TEXT_LIMITS.summaryLines),
    );
  }
  else lines.push('', 'Details are in the hub: this label does not allow them to leave it.');
  lines.push('', `Open:      ${m.incidentUrl}`);
  if (m.ackUrl) lines.push(`Acknowledge: ${m.ackUrl}`);
  return lines.join('\n');
}

/** SMS: one short line. */
export function smsOf(m: MessageContext): string {
  const i = m.incident;
  const text = `${i.exercise ? EXERCISE_BANNER + ' ' : ''}ESTF ${i.severity} ${i.reference} ${i.category} ${countiesLabel(i.affectedCounties)} TLP:${i.tlp}`;
  return m.ackUrl ? `${text} Ack: ${m.ackUrl} Open: ${m.incidentUrl}` : `${text} Open: ${m.incidentUrl}`;
}

/** The JSON a webhook receives. */
export function webhookPayloadOf(m: MessageContext): Record<string, unknown> {
  const i = m.incident;
  const incident: Record<string, unknown> = {
    id: i.id,
    reference: i.reference,
    severity: i.severity,
    category: i.category,
    domain: i.domain,
    status: i.status,
    affectedCounties: i.affectedCounties,
    tlp: i.tlp,
    lawEnforcementSensitive: i.lawEnforcementSensitive,
    exercise: i.exercise,
    url: m.incidentUrl,
  };
  if (mayCarryContent(i)) {
    // JSON keeps them apart from the hub's own fields; normalized for receivers that display them.
    incident.title = capText(singleLineText(i.title), MESSAGE_TEXT_LIMITS.title);
    incident.summary = multiLineText(i.summary);
  }
  return {
    type: m.kind === 'PAGE' ? 'incident.paged' : 'incident.notified',
    ...(i.exercise ? { banner: EXERCISE_BANNER } : {}),
    subject: subjectOf(m),
    notificationId: m.notificationId,
    escalationId: m.escalationId,
    rule: m.ruleName,
    level: m.kind === 'PAGE' ? m.level + 1 : null,
    acknowledgeUrl: m.ackUrl,
    incident,
  };
}
