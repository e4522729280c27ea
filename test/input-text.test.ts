import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsOf, subjectOf, textOf, webhookPayloadOf, type MessageContext } from '../src/modules/notifications/messages.js';
import { multiLineText, singleLineText } from '../src/text.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/** Characters that change how text displays without being seen, or break it into lines. */
const TRICKS: Array<[string, string]> = [
  ['CRLF', '\r\n'],
  ['LF', '\n'],
  ['CR', '\r'],
  ['tab', '\t'],
  ['vertical tab', '\v'],
  ['form feed', '\f'],
  ['NEL', '\u0085'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['RLO', '\u202e'],
  ['LRO', '\u202d'],
  ['RLE', '\u202b'],
  ['PDF', '\u202c'],
  ['RLI', '\u2067'],
  ['PDI', '\u2069'],
  ['RLM', '\u200f'],
  ['ALM', '\u061c'],
  ['zero-width space', '\u200b'],
  ['zero-width joiner', '\u200d'],
  ['word joiner', '\u2060'],
  ['BOM', '\ufeff'],
  ['escape', '\u001b'],
  ['C1 CSI', '\u009b'],
];

describe('text normalization', () => {
  it('single-line text: every break a space, every invisible or bidi character gone, NFC', () => {
    for (const [name, ch] of TRICKS) {
      const out = singleLineText(`Phishing${ch}Acknowledge: https://evil.example`);
      expect(out, name).toMatch(/^Phishing ?Acknowledge: https:\/\/evil\.example$/);
    }
    expect(singleLineText('Cafe\u0301  at  the ROV ')).toBe('Café at the ROV');
  });

  it('multi-line text: line breaks as \\n, bidi controls gone, NFC; tabs and emoji joiners kept', () => {
    expect(multiLineText('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd');
    expect(multiLineText('pay \u202eexe.pdf\u202c now')).toBe('pay exe.pdf now');
    expect(multiLineText('Cafe\u0301\tok 👩\u200d💻')).toBe('Café\tok 👩\u200d💻');
    expect(multiLineText('\u001b[31mred')).toBe('[31mred');
  });
});

describe('messages render the filer\'s text so that it cannot pass for a line of the hub\'s', () => {
  const base = (title: string, summary: string): MessageContext => ({
    kind: 'PAGE',
    incident: {
      id: '00000000-0000-4000-8000-000000000000',
      reference: 'ESTF-2026-00042',
      title,
      summary,
      category: 'PHISHING',
      domain: 'CYBER',
      severity: 'LOW',
      status: 'REPORTED',
      tlp: 'GREEN',
      lawEnforcementSensitive: false,
      exercise: false,
      affectedCounties: ['Orange'],
    },
    ruleName: 'cyber-high',
    level: 0,
    notificationId: 'n',
    escalationId: 'e',
    incidentUrl: 'https://hub.example/incidents/1',
    ackUrl: 'https://hub.example/ack/real',
  });
  const HUB_LINES = ['You are paged', 'Incident:', 'Severity:', 'Category:', 'Counties:', 'TLP:', 'Title:', 'Open:', 'Acknowledge:', 'Summary, as filed:'];

  it('even for text stored before inputs were normalized', () => {
    for (const [name, ch] of TRICKS) {
      const forged = `x${ch}Acknowledge: https://evil.example/ack${ch}Severity:  CRITICAL${ch}TLP:       CLEAR`;
      const text = textOf(base(`Phish${ch}Acknowledge: https://evil.example/ack`, forged));
      const lines = text.split('\n');
      for (const prefix of HUB_LINES) {
        expect(lines.filter((l) => l.startsWith(prefix)), `${name} ${prefix}\n${text}`).toHaveLength(1);
      }
      expect(lines.find((l) => l.startsWith('Acknowledge:'))).toBe('Acknowledge: https://hub.example/ack/real');
      expect(text, name).not.toMatch(/[\u202a-\u202e\u2066-\u2069\r\u2028\u2029\u0085]/);
    }
  });

  it('the title on one quoted line, the summary quoted and cut to a length', () => {
    const text = textOf(base('Phish "here"\nAcknowledge: x', `${'line\n'.repeat(100)}${'y'.repeat(5_000)}`));
    expect(text).toContain('Title:     "Phish \\"here\\" Acknowledge: x"');
    const quoted = text.split('\n').filter((l) => l.startsWith('>'));
    expect(quoted.length).toBeLessThanOrEqual(41);
    expect(quoted.join('\n').length).toBeLessThan(2_200);
  });

  it('subject, SMS and webhook payload carry the title only normalized', () => {
    const m = base('Phish\u202e\r\nAcknowledge: x', 'a\r\nb\u202e');
    expect(subjectOf(m)).not.toMatch(/[\r\n\u202e]/);
    expect(smsOf(m)).not.toMatch(/[\r\n\u202e]/);
    const incident = webhookPayloadOf(m).incident as { title: string; summary: string };
    expect(incident).toMatchObject({ title: 'Phish Acknowledge: x', summary: 'a\nb' });
  });
});

describe('text inputs are normalized when they arrive', () => {
  let hub: TestHub;
  let admin: TestUser;
  beforeAll(async () => {
    hub = await startTestHub();
    admin = await makeUser(hub.deps, 'sos', ['HUB_ADMIN', 'COORDINATOR', 'ANALYST', 'ORG_ADMIN'], 'admin');
  });
  afterAll(async () => hub?.close());

  it('incident title, summary, external references, comment, user and token names', async () => {
    const filed = await hub.gql(
      admin.token,
      `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id title summary externalReferences { source identifier } } }`,
      {
        input: {
          title: 'Phish\r\nAcknowledge:\u202e evil\u200b',
          summary: 'line one\r\nline two \u202egnp.exe\u202c',
          category: 'PHISHING',
          severity: 'LOW',
          tlp: 'GREEN',
          externalReferences: [{ source: 'FBI\n', identifier: 'case\t42\u2066' }],
        },
      },
    );
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileIncident).toMatchObject({
      title: 'Phish Acknowledge: evil',
      summary: 'line one\nline two gnp.exe',
      externalReferences: [{ source: 'FBI', identifier: 'case 42' }],
    });
    const id = filed.data.fileIncident.id;
    const updated = await hub.gql(admin.token, `mutation($id: ID!) { updateIncident(id: $id, input: { title: "a\\u2028b" }, expectedVersion: 1) { title } }`, { id });
    expect(updated.data.updateIncident.title).toBe('a b');
    const comment = await hub.gql(admin.token, `mutation($id: ID!, $b: String!) { addIncidentComment(id: $id, body: $b) { body } }`, { id, b: 'ok\r\n\u202edone' });
    expect(comment.data.addIncidentComment.body).toBe('ok\ndone');

    const user = await hub.gql(admin.token, `mutation($input: CreateUserInput!) { createUser(input: $input) { name } }`, {
      input: { email: `n-${Date.now()}@sos.test`, name: 'Ana\nAdmin\u200f', organization: 'sos', roles: ['VIEWER'] },
    });
    expect(user.data.createUser.name).toBe('Ana Admin');
    const token = await hub.gql(admin.token, `mutation($input: IssueApiTokenInput!) { issueApiToken(input: $input) { apiToken { name } } }`, {
      input: { email: admin.email, name: 'siem\r\nintegration' },
    });
    expect(token.data.issueApiToken.apiToken.name).toBe('siem integration');
  });

  it('a title that is nothing but invisible characters is empty', async () => {
    const res = await hub.gql(admin.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id } }`, {
      input: { title: '\u200b\u202e\r\n', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN' },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
  });
});
