import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { IncidentColumn, IncidentProjection } from './incidents.repository.js';

/**
 * The columns an `incidents` page reads, from the fields its request selects on the incidents
 * (`edges { node { … } }`): a page of six fields reads those six columns and the list's keys, not the
 * whole row. Every field of Incident that incidents.resolvers.ts answers from the row is named here with
 * the columns its resolver reads (besides what every list reads: the id, the access facts of the row and
 * the order's keys); a field not named here (another module's, e.g. `escalations` or `correlation`, which are
 * handed the row) makes the page read the whole row. test/incident-list-projection.test.ts asks for every
 * field of Incident alone and compares it with the whole row's answer.
 */
const FIELD_COLUMNS: Readonly<Record<string, readonly IncidentColumn[] | 'audience'>> = {
  __typename: [],
  id: [],
  reference: ['reference'],
  title: ['title'],
  summary: ['summary'],
  category: ['category'],
  domain: ['domain'],
  severity: ['severity'],
  status: ['status'],
  tlp: [],
  lawEnforcementSensitive: [],
  exercise: ['exercise'],
  reportingOrganization: [],
  reportingUser: [],
  affectedCounties: 'audience',
  affectedAssets: ['affected_assets'],
  occurredAt: ['occurred_at'],
  detectedAt: ['detected_at'],
  reportedAt: ['reported_at'],
  assignee: ['assignee_organization_id', 'assignee_user_id'],
  externalReferences: ['external_references'],
  sharedWith: 'audience',
  recipients: 'audience',
  mergedInto: ['merged_into_id'],
  duplicates: [],
  version: ['version'],
  createdAt: ['created_at'],
  updatedAt: ['updated_at'],
  timeline: [],
  comments: [],
};

/** The projection of an `incidents` field's page (null: the whole row, whenever unsure). */
export function incidentListProjection(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): IncidentProjection | null {
  const columns = new Set<IncidentColumn>();
  let audience = false;
  let whole = false;
  const nodeFields: FieldNode[] = [];
  // connection → edges → node: the Incident fields of every `node` under every `edges`, through fragments.
  for (const f of info.fieldNodes) {
    for (const edges of fieldsOf(f.selectionSet, info.fragments)) {
      if (edges.name.value !== 'edges') continue;
      for (const node of fieldsOf(edges.selectionSet, info.fragments)) if (node.name.value === 'node') nodeFields.push(...fieldsOf(node.selectionSet, info.fragments));
    }
  }
  for (const field of nodeFields) {
    const wanted = Object.hasOwn(FIELD_COLUMNS, field.name.value) ? FIELD_COLUMNS[field.name.value] : undefined;
    if (wanted === undefined) whole = true;
    else if (wanted === 'audience') audience = true;
    else for (const c of wanted) columns.add(c);
  }
  return whole ? null : { columns: [...columns], audience };
}

/** The fields of a selection set, inline fragments and fragment spreads expanded (directives ignored: a superset). */
function fieldsOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(s.selectionSet, fragments, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      out.push(...fieldsOf(fragments[s.name.value]?.selectionSet, fragments, seen));
    }
  }
  return out;
}
