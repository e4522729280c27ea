import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInstant, YEAR_MAX, YEAR_MIN } from '../src/dates.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type GqlResponse, type TestHub } from './harness.js';
import { casesOf, fieldName, literalDocument, schema, setAt, variablesDocument } from './support/schema-cases.js';

/**
 * A class test of DateTime: every malformed shape, tried on every DateTime argument and input field of every
 * query and mutation, is BAD_USER_INPUT naming the field; nothing is rolled over into another instant.
 */

const MALFORMED: string[] = [
  '2026-02-30T12:00:00Z', // no such day: Date() made it March 2
  '2026-02-29T12:00:00Z', // not a leap year
  '2026-04-31T12:00:00Z',
  '2026-13-01T12:00:00Z',
  '2026-00-10T12:00:00Z',
  '2026-01-00T12:00:00Z',
  '2026-11-03T24:00:00Z', // Date() made it the next day
  '2026-11-03T23:60:00Z',
  '2026-12-31T23:59:60Z', // a leap second
  '2026-11-03T25:00:00Z',
  '0000-01-01T00:00:00Z',
  '1000-01-01T00:00:00Z',
  '1999-12-31T23:59:59Z',
  '2100-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2099-12-31T23:00:00-08:00', // 2100 in UTC
  '+002026-11-03T21:00:00Z',
  '-002026-11-03T21:00:00Z',
  '2026-11-03T21:00:00', // no zone
  '2026-11-03T21:00Z', // no seconds
  '2026-11-03',
  '2026-11-03T21',
  '2026-11-03 21:00:00Z', // a space
  '2026-11-03T21:00:00,5Z', // a comma fraction
  '2026-11-03T21:00:00.Z',
  '2026-11-03T21:00:00.1234567890Z', // ten fraction digits
  '2026-11-03T21:00:00+25:00',
  '2026-11-03T21:00:00+08:60',
  '2026-11-03T21:00:00+0800',
  '2026-11-03T21:00:00+08',
  '2026-11-03T21:00:00 Z',
  ' 2026-11-03T21:00:00Z',
  '2026-11-03T21:00:00Z ',
  '2026-11-03T21:00:00Z\n',
  '2026-1-3T21:00:00Z',
  '20261103T210000Z',
  '2026-W45-2T21:00:00Z',
  '2026-307T21:00:00Z',
  '２０２６-11-03T21:00:00Z', // full-width digits
  '2026-11-03T21:00:00UTC',
  '2026-11-03T21:00:00PST',
  'Tue, 03 Nov 2026 21:00:00 GMT',
  '1793833200000',
  'now',
  '',
];

const VALID: Array<[string, string]> = [
  ['2026-11-03T21:00:00Z', '2026-11-03T21:00:00.000Z'],
  ['2026-11-03t21:00:00z', '2026-11-03T21:00:00.000Z'], // RFC 3339 §5.6 allows lower case
  ['2026-11-03T21:00:00-08:00', '2026-11-04T05:00:00.000Z'],
  ['2026-11-03T21:00:00+14:00', '2026-11-03T07:00:00.000Z'],
  ['2026-11-03T21:00:00-00:00', '2026-11-03T21:00:00.000Z'],
  ['2026-11-03T21:00:00.5Z', '2026-11-03T21:00:00.500Z'],
  ['2026-11-03T21:00:00.123456789Z', '2026-11-03T21:00:00.123Z'],
  ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'], // a leap year
  ['2000-01-01T00:00:00Z', '2000-01-01T00:00:00.000Z'],
  ['2099-12-31T23:59:59.999Z', '2099-12-31T23:59:59.999Z'],
];

const isDateTime = (name: string) => name === 'DateTime';
const CASES = [...casesOf(schema.getQueryType()!, 'query', isDateTime), ...casesOf(schema.getMutationType()!, 'mutation', isDateTime)];

function expectInputError(res: GqlResponse<unknown>, field: string, what: string): void {
  const errors = res.errors ?? [];
  expect(errors.map((e) => e.extensions?.code), `${what} ${JSON.stringify(errors)}`).not.toContain('INTERNAL_SERVER_ERROR');
  expect(errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT' && e.extensions?.field === field), `${what} ${JSON.stringify(errors)}`).toBeDefined();
}

describe('DateTime', () => {
  it('parses the valid shapes to the instant they name', () => {
    for (const [text, iso] of VALID) {
      const r = parseInstant(text);
      expect(r.ok && r.value.toISOString(), text).toBe(iso);
    }
  });

  it('refuses every malformed shape, out-of-calendar value and year outside the bounds', () => {
    expect([YEAR_MIN, YEAR_MAX]).toEqual([2000, 2099]);
    for (const text of MALFORMED) expect(parseInstant(text).ok, text).toBe(false);
  });

  describe('over the API', () => {
    let hub: TestHub;
    let admin: TestUser;
    beforeAll(async () => {
      hub = await startTestHub();
      admin = await makeUser(hub.deps, 'sos', ['HUB_ADMIN', 'COORDINATOR', 'ANALYST', 'ORG_ADMIN', 'AUDITOR'], 'admin');
    });
    afterAll(async () => hub?.close());

    it('the schema has DateTime arguments to try (the enumeration works)', () => {
      expect(CASES.map((c) => c.name)).toEqual(
        expect.arrayContaining(['fileIncident(occurredAt)', 'updateIncident(detectedAt)', 'incidents(filter.occurredAfter)', 'reportIndicators(input[0].validUntil)', 'addScheduleOverride(to)', 'onCall(at)']),
      );
    });

    it('every malformed date on every DateTime argument is BAD_USER_INPUT naming it (variables and literals)', async () => {
      for (const c of CASES) {
        const doc = variablesDocument(c);
        for (const bad of MALFORMED) {
          expectInputError(await hub.gql(admin.token, doc, setAt(c.args, c.path, bad)), fieldName(c.path), `${c.name} ${JSON.stringify(bad)}`);
          expectInputError(await hub.gql(admin.token, literalDocument(c, setAt(c.args, c.path, bad))), fieldName(c.path), `${c.name} literal ${JSON.stringify(bad)}`);
        }
      }
    });

    it('an end years ahead is refused: validity, overrides, schedule dates, token lifetimes', async () => {
      const report = await hub.gql(admin.token, `mutation($input: [IndicatorReportInput!]!) { reportIndicators(input: $input) { ok error field } }`, {
        input: [
          { value: 'vote-ca-gov.example', tlp: 'GREEN', validUntil: '2099-01-01T00:00:00Z' },
          { value: 'vote-ca-gov2.example', tlp: 'GREEN', validFrom: '2090-01-01T00:00:00Z' },
          { value: 'vote-ca-gov3.example', tlp: 'GREEN', validUntil: new Date(Date.now() + 3 * 366 * 86_400_000).toISOString() },
        ],
      });
      expect(report.data.reportIndicators.map((r: any) => [r.ok, r.field])).toEqual([[false, 'validUntil'], [false, 'validFrom'], [true, null]]);

      const override = await hub.gql(admin.token, `mutation($input: AddScheduleOverrideInput!) { addScheduleOverride(input: $input) { id } }`, {
        input: { organization: 'sos', duty: 'security-duty', user: admin.email, from: '2027-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' },
      });
      expectInputError(override, 'to', 'override');

      for (const startDate of ['9999-01-01', '1000-01-01', '0000-01-01', '2026-02-30']) {
        const res = await hub.gql(admin.token, `mutation($input: SetScheduleInput!) { setSchedule(input: $input) { id } }`, {
          input: { organization: 'sos', duty: 'security-duty', participants: [admin.email], shiftLengthHours: 24, handoffTime: '09:00', startDate },
        });
        expectInputError(res, 'startDate', startDate);
      }

      const issue = `mutation($input: IssueApiTokenInput!) { issueApiToken(input: $input) { apiToken { expiresAt } } }`;
      expectInputError(await hub.gql(admin.token, issue, { input: { email: admin.email, expiresIn: '99999w' } }), 'expiresIn', '99999w');
      expectInputError(await hub.gql(admin.token, issue, { input: { email: admin.email, expiresIn: '731d' } }), 'expiresIn', '731d');
      const ok = await hub.gql(admin.token, issue, { input: { email: admin.email, expiresIn: '730d' } });
      expect(ok.errors).toBeUndefined();
    });

    it('a slug or value repeated in a list is stored once', async () => {
      const filed = await hub.gql(admin.token, `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { affectedCounties { slug } } }`, {
        input: { title: 't', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', affectedCounties: Array.from({ length: 500 }, () => 'county-orange') },
      });
      expect(filed.errors).toBeUndefined();
      expect(filed.data.fileIncident.affectedCounties).toEqual([{ slug: 'county-orange' }]);

      const sub = await hub.gql(
        admin.token,
        `mutation($input: CreateAlertSubscriptionInput!) { createAlertSubscription(input: $input) { subscription { filter { domains categories indicatorTypes affectedCounties { slug } } } } }`,
        {
          input: {
            name: 'dups',
            channels: ['EMAIL'],
            mode: 'IMMEDIATE',
            filter: {
              domains: Array(500).fill('CYBER'),
              categories: ['PHISHING', 'PHISHING'],
              indicatorTypes: ['DOMAIN', 'DOMAIN', 'IPV4'],
              affectedCounties: Array(500).fill('county-orange'),
            },
          },
        },
      );
      expect(sub.errors).toBeUndefined();
      expect(sub.data.createAlertSubscription.subscription.filter).toEqual({
        domains: ['CYBER'],
        categories: ['PHISHING'],
        indicatorTypes: ['DOMAIN', 'IPV4'],
        affectedCounties: [{ slug: 'county-orange' }],
      });
    });

    it('stores a valid instant as the instant it names, whatever its offset', async () => {
      const res = await hub.gql(
        admin.token,
        `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { occurredAt detectedAt } }`,
        { input: { title: 't', summary: 's', category: 'PHISHING', severity: 'LOW', tlp: 'GREEN', occurredAt: '2026-02-28T23:30:00-08:00', detectedAt: '2026-03-01t07:45:00.25z' } },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.fileIncident).toEqual({ occurredAt: '2026-03-01T07:30:00.000Z', detectedAt: '2026-03-01T07:45:00.250Z' });
    });
  });
});
