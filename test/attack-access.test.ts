import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

const FILE = `mutation($input: FileIncidentInput!) { fileIncident(input: $input) { id version } }`;

describe('attack: hidden incident ids', () => {
  let hub: TestHub;
  let orange: TestUser, orange2: TestUser, kern: TestUser;
  let hidden: Record<string, { id: string; version: number }> = {};
  let own: { id: string; version: number };
  beforeAll(async () => {
    hub = await startTestHub();
    orange = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange');
    orange2 = await makeUser(hub.deps, 'county-orange', ['ANALYST'], 'orange2');
    kern = await makeUser(hub.deps, 'county-kern', ['ANALYST'], 'kern');
    const base = { title: 'Hidden', summary: 's', category: 'PHISHING', severity: 'HIGH', affectedCounties: ['county-orange'] };
    for (const [name, extra] of Object.entries({
      amber: { tlp: 'AMBER' },
      strict: { tlp: 'AMBER_STRICT' },
      red: { tlp: 'RED', shareWithUsers: [orange2.email] },
      les: { tlp: 'AMBER', lawEnforcementSensitive: true },
    })) {
      const r = await hub.gql(orange.token, FILE, { input: { ...base, ...extra } });
      expect(r.errors, `${name}: ${JSON.stringify(r.errors)}`).toBeUndefined();
      hidden[name] = r.data.fileIncident;
    }
    own = (await hub.gql(kern.token, FILE, { input: { ...base, tlp: 'AMBER', affectedCounties: ['county-kern'] } })).data.fileIncident;
  }, 60_000);
  afterAll(async () => hub?.close());

  const ops: Array<[string, string, (id: string) => Record<string, unknown>]> = [
    ['incident', `query($id: ID!) { incident(id: $id) { id } }`, (id) => ({ id })],
    ['updateIncident', `mutation($id: ID!, $v: Int!) { updateIncident(id: $id, input: { title: "x" }, expectedVersion: $v) { id } }`, (id) => ({ id, v: 999 })],
    ['updateIncident v1', `mutation($id: ID!, $v: Int!) { updateIncident(id: $id, input: { title: "x" }, expectedVersion: $v) { id } }`, (id) => ({ id, v: 1 })],
    ['transitionIncident CLOSED', `mutation($id: ID!) { transitionIncident(id: $id, to: CLOSED) { id } }`, (id) => ({ id })],
    ['transitionIncident MERGED', `mutation($id: ID!) { transitionIncident(id: $id, to: MERGED) { id } }`, (id) => ({ id })],
    ['transitionIncident REPORTED', `mutation($id: ID!) { transitionIncident(id: $id, to: REPORTED) { id } }`, (id) => ({ id })],
    ['mergeIncident id', `mutation($id: ID!, $into: ID!) { mergeIncident(id: $id, intoId: $into) { id } }`, (id) => ({ id, into: own.id })],
    ['mergeIncident into', `mutation($id: ID!, $into: ID!) { mergeIncident(id: $id, intoId: $into) { id } }`, (id) => ({ id: own.id, into: id })],
    ['addIncidentComment', `mutation($id: ID!) { addIncidentComment(id: $id, body: "hi") { id } }`, (id) => ({ id })],
    ['assignIncident', `mutation($id: ID!) { assignIncident(id: $id, organization: "county-kern") { id } }`, (id) => ({ id })],
    ['assignIncident bad org', `mutation($id: ID!) { assignIncident(id: $id, organization: "nope") { id } }`, (id) => ({ id })],
    ['shareIncident', `mutation($id: ID!) { shareIncident(id: $id, organizations: ["county-kern"]) { id } }`, (id) => ({ id })],
    ['shareIncident users', `mutation($id: ID!, $u: [String!]) { shareIncident(id: $id, users: $u) { id } }`, (id) => ({ id, u: [kern.email] })],
    ['shareIncident routing', `mutation($id: ID!) { shareIncident(id: $id, routingTargets: true) { id } }`, (id) => ({ id })],
    ['shareIncident none', `mutation($id: ID!) { shareIncident(id: $id) { id } }`, (id) => ({ id })],
    ['setIncidentTlp', `mutation($id: ID!) { setIncidentTlp(id: $id, tlp: CLEAR) { id } }`, (id) => ({ id })],
    ['setIncidentTlp red', `mutation($id: ID!, $u: [String!]) { setIncidentTlp(id: $id, tlp: RED, recipients: $u) { id } }`, (id) => ({ id, u: [kern.email] })],
    ['setIncidentLES', `mutation($id: ID!) { setIncidentLawEnforcementSensitive(id: $id, value: false) { id } }`, (id) => ({ id })],
    ['setIncidentLES true', `mutation($id: ID!) { setIncidentLawEnforcementSensitive(id: $id, value: true) { id } }`, (id) => ({ id })],
    ['escalateIncident', `mutation($id: ID!) { escalateIncident(id: $id) { id } }`, (id) => ({ id })],
    ['reportIndicators', `mutation($id: ID!) { reportIndicators(input: [{ value: "evil-attack.example", tlp: AMBER, incidentId: $id }]) { ok error field created } }`, (id) => ({ id })],
  ];

  it.each(ops)('%s: a hidden incident is answered exactly as an unknown one', async (_name, query, vars) => {
    // The id asked for may be echoed (`Incident "…" not found.`); everything else must be the same.
    const strip = (r: any, id: string) =>
      JSON.stringify({ data: r.data, errors: r.errors?.map((e: any) => ({ message: e.message, extensions: e.extensions, path: e.path })) }).replaceAll(id, '<id>');
    const random = randomUUID();
    const unknown = strip(await hub.gql(kern.token, query, vars(random)), random);
    for (const [shape, inc] of Object.entries(hidden)) {
      expect(strip(await hub.gql(kern.token, query, vars(inc.id)), inc.id), `${shape} vs unknown: ${unknown}`).toBe(unknown);
    }
  });
});
