import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../src/access/principal.js';
import type { Db } from '../src/infra/db.js';
import { createIdentityService } from '../src/modules/identity/identity.service.js';
import { createIncidentsService } from '../src/modules/incidents/incidents.service.js';
import { suppressedRoutingTargets } from '../src/modules/escalations/index.js';
import { makeUser, type TestUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * An incident one may not see must answer like one that does not exist, in time too: the hidden path and
 * the unknown path do the same work. Asserted on the statements sent to PostgreSQL, not on a clock.
 */
describe('reading an incident: hidden and unknown take the same path', () => {
  let hub: TestHub;
  let orange: TestUser, fresno: TestUser;
  let reference: string, id: string;
  const statements: string[] = [];
  let counting: Db;

  beforeAll(async () => {
    hub = await startTestHub({}, { http: true });
    [orange, fresno] = await Promise.all([makeUser(hub.deps, 'county-orange', ['ANALYST']), makeUser(hub.deps, 'county-fresno', ['ANALYST'])]);
    const filed = await hub.gql(orange.token, `mutation { fileIncident(input: { title: "t", summary: "s", category: PHISHING, severity: LOW, tlp: AMBER }) { id reference } }`);
    ({ id, reference } = filed.data.fileIncident);
    const recorder: KyselyPlugin = {
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    counting = hub.db.withPlugin(recorder) as Db;
  });
  afterAll(async () => hub?.close());

  async function principalOf(u: TestUser): Promise<UserPrincipal> {
    return (await createIdentityService({ db: hub.db, config: hub.config }).authenticate(u.token, { requestId: null, clientAddress: null }))!;
  }

  async function statementsFor(read: () => Promise<unknown>): Promise<number> {
    statements.length = 0;
    await read();
    return statements.length;
  }

  it('by reference and by id: one statement for a hidden incident, an unknown one and a visible one', async () => {
    const incidents = createIncidentsService({ db: counting, config: hub.config, suppressedRoutingTargets });
    const [owner, outsider] = await Promise.all([principalOf(orange), principalOf(fresno)]);

    expect(await incidents.getByReference(outsider, reference)).toBeNull();
    expect(await incidents.getByReference(outsider, 'ESTF-2026-99999')).toBeNull();
    expect((await incidents.getByReference(owner, reference))?.id).toBe(id);

    const hidden = await statementsFor(() => incidents.getByReference(outsider, reference));
    const unknown = await statementsFor(() => incidents.getByReference(outsider, 'ESTF-2026-99999'));
    const visible = await statementsFor(() => incidents.getByReference(owner, reference));
    expect({ hidden, unknown, visible }).toEqual({ hidden: 1, unknown: 1, visible: 1 });

    const hiddenById = await statementsFor(() => incidents.get(outsider, id));
    const unknownById = await statementsFor(() => incidents.get(outsider, '00000000-0000-4000-8000-000000000000'));
    expect({ hiddenById, unknownById }).toEqual({ hiddenById: 1, unknownById: 1 });
  });
});
