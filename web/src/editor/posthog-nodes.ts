import type { JsonNode } from '../api/types.ts';

/** What a card says about a node this editor keeps but does not edit. */
export interface NodeSummary {
  /** "Insight", "Session recording", … or the raw type name for a type nobody described. */
  label: string;
  /** The node's type name as stored (ph-query, …). */
  type: string;
  /** The main attributes, as short "name: value" lines. */
  details: string[];
  /** The path of the thing in PostHog (below /project/:id), when it has one. */
  posthogPath: string | null;
}

interface NodeKind {
  label: string;
  /** The attributes worth showing, in order. */
  attributes: string[];
  path?: (attrs: Record<string, unknown>) => string | null;
}

const segment = (value: unknown): string | null =>
  typeof value === 'string' || typeof value === 'number' ? encodeURIComponent(String(value)) : null;

const byId =
  (prefix: string) =>
  (attrs: Record<string, unknown>): string | null => {
    const id = segment(attrs.id);
    return id === null || id === '' ? null : `${prefix}/${id}`;
  };

/** PostHog's own node types (frontend/src/scenes/notebooks/Nodes/), as cards describe them. */
const POSTHOG_NODES: Record<string, NodeKind> = {
  'ph-query': {
    label: 'Query',
    attributes: ['title', 'query'],
    path: (attrs) => {
      const query = attrs.query as { kind?: unknown; shortId?: unknown } | undefined;
      const shortId = segment(query?.shortId);
      return shortId ? `/insights/${shortId}` : null;
    },
  },
  'ph-insight': { label: 'Insight', attributes: ['id', 'title'], path: byId('/insights') },
  'ph-recording': { label: 'Session recording', attributes: ['id', 'title'], path: byId('/replay') },
  'ph-recording-playlist': {
    label: 'Session replay playlist',
    attributes: ['title', 'filters', 'universalFilters'],
    path: () => '/replay/home',
  },
  'ph-feature-flag': { label: 'Feature flag', attributes: ['id', 'title'], path: byId('/feature_flags') },
  'ph-feature-flag-code-example': {
    label: 'Feature flag code example',
    attributes: ['id', 'title'],
    path: byId('/feature_flags'),
  },
  'ph-experiment': { label: 'Experiment', attributes: ['id', 'title'], path: byId('/experiments') },
  'ph-early-access-feature': {
    label: 'Early access feature',
    attributes: ['id', 'title'],
    path: byId('/early_access_features'),
  },
  'ph-survey': { label: 'Survey', attributes: ['id', 'title'], path: byId('/surveys') },
  'ph-person': {
    label: 'Person',
    attributes: ['id', 'distinctId', 'title'],
    path: (attrs) => {
      const id = segment(attrs.id ?? attrs.distinctId);
      return id ? `/person/${id}` : null;
    },
  },
  'ph-group': {
    label: 'Group',
    attributes: ['id', 'groupTypeIndex', 'title'],
    path: (attrs) => {
      const index = segment(attrs.groupTypeIndex);
      const id = segment(attrs.id);
      return index !== null && id ? `/groups/${index}/${id}` : null;
    },
  },
  'ph-cohort': { label: 'Cohort', attributes: ['id', 'title'], path: byId('/cohorts') },
  'ph-backlink': {
    label: 'Link',
    attributes: ['title', 'type', 'id'],
    path: (attrs) => {
      const id = segment(attrs.id);
      if (!id) return null;
      const prefix: Record<string, string> = {
        insights: '/insights',
        feature_flags: '/feature_flags',
        experiments: '/experiments',
        dashboards: '/dashboard',
        cohorts: '/cohorts',
        persons: '/person',
        notebooks: '/notebooks',
      };
      const base = typeof attrs.type === 'string' ? prefix[attrs.type] : undefined;
      return base ? `${base}/${id}` : null;
    },
  },
  'ph-replay-timestamp': {
    label: 'Replay timestamp',
    attributes: ['playbackTime', 'sessionRecordingId'],
    path: (attrs) => {
      const id = segment(attrs.sessionRecordingId);
      if (!id) return null;
      const seconds = typeof attrs.playbackTime === 'number' ? Math.floor(attrs.playbackTime / 1000) : 0;
      return `/replay/${id}?t=${seconds}`;
    },
  },
  'ph-image': { label: 'Image', attributes: ['src', 'file', 'title'] },
  'ph-person-feed': { label: 'Person feed', attributes: ['id'], path: byId('/person') },
  'ph-person-properties': { label: 'Person properties', attributes: ['id'], path: byId('/person') },
  'ph-group-properties': { label: 'Group properties', attributes: ['id', 'groupTypeIndex'] },
  'ph-map': { label: 'Map', attributes: ['id', 'title'] },
  'ph-embed': { label: 'Embed', attributes: ['src', 'title'] },
  'ph-latex': { label: 'LaTeX', attributes: ['content'] },
  'ph-task-create': { label: 'Task', attributes: ['title', 'description', 'id'] },
  'ph-llm-trace': { label: 'LLM trace', attributes: ['traceId', 'id', 'title'] },
  'ph-mention': { label: 'Mention', attributes: ['id'] },
};

function formatValue(name: string, value: unknown): string {
  if (name === 'playbackTime' && typeof value === 'number') {
    const total = Math.floor(value / 1000);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  }
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text.length > 140 ? `${text.slice(0, 137)}…` : text;
}

/** The card text and PostHog link of a kept node. */
export function summarizeNode(node: JsonNode): NodeSummary {
  const type = typeof node.type === 'string' ? node.type : 'unknown';
  const kind = POSTHOG_NODES[type];
  const attrs = node.attrs && typeof node.attrs === 'object' ? node.attrs : {};
  const names = kind ? kind.attributes : Object.keys(attrs).slice(0, 3);
  const details: string[] = [];
  for (const name of names) {
    const value = attrs[name];
    if (value === undefined || value === null || value === '') continue;
    if (name === 'query' && typeof value === 'object') {
      const query = value as { kind?: unknown; source?: { kind?: unknown } };
      const kinds = [query.kind, query.source?.kind].filter((item) => typeof item === 'string');
      details.push(`query: ${kinds.join(' › ') || formatValue(name, value)}`);
      continue;
    }
    details.push(`${name}: ${formatValue(name, value)}`);
  }
  return {
    label: kind?.label ?? type,
    type,
    details,
    posthogPath: kind?.path?.(attrs) ?? null,
  };
}

/** The short inline text of a kept inline node (a mention, a timestamp, a backlink). */
export function inlineText(node: JsonNode): string {
  const attrs = node.attrs ?? {};
  if (node.type === 'ph-mention') return `@member ${formatValue('id', attrs.id ?? '')}`;
  if (node.type === 'ph-replay-timestamp') return `▶ ${formatValue('playbackTime', attrs.playbackTime ?? 0)}`;
  if (node.type === 'ph-backlink' && typeof attrs.title === 'string' && attrs.title !== '') return attrs.title;
  const summary = summarizeNode(node);
  return summary.details[0] ? `${summary.label} · ${summary.details[0]}` : summary.label;
}
