import type { ActivityEntry, JsonNode } from '../api/types.ts';

/** One line of a notebook's history, described for a person. */
export interface HistoryItem {
  /** Stable within a loaded history (the API gives activity entries no id). */
  key: string;
  entry: ActivityEntry;
  /** "Ada", "admin@localhost", "System". */
  who: string;
  /** "created the notebook", "changed the content and title", … */
  what: string;
  /** The notebook's version after this change, when the log tells it. */
  version: number | null;
  /** The whole document as it was after this change, when it can be restored from here. */
  content: JsonNode | null;
}

const FIELD_NAMES: Record<string, string> = {
  content: 'content',
  title: 'title',
  deleted: 'deleted state',
  visibility: 'visibility',
  version: 'version',
};

function changeOf(entry: ActivityEntry, field: string) {
  return entry.detail.changes?.find((change) => change.field === field);
}

function isDocument(value: unknown): value is JsonNode {
  return typeof value === 'object' && value !== null && typeof (value as JsonNode).type === 'string';
}

function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function whoOf(entry: ActivityEntry): string {
  const user = entry.user as (ActivityEntry['user'] & { is_system?: boolean }) | null;
  if (!user) return 'Someone';
  if (user.is_system) return 'System';
  return user.first_name || user.email || 'A former member';
}

function whatOf(entry: ActivityEntry): string {
  switch (entry.activity) {
    case 'created':
      return 'created the notebook';
    case 'deleted':
      return 'deleted the notebook';
    case 'restored':
      return 'restored the notebook';
    default: {
      const fields = (entry.detail.changes ?? []).map((change) => change.field);
      const shown = fields.length > 1 ? fields.filter((field) => field !== 'version') : fields;
      if (shown.length === 1 && shown[0] === 'title') {
        const title = changeOf(entry, 'title')?.after;
        return typeof title === 'string' && title !== '' ? `renamed it to “${title}”` : 'removed the title';
      }
      if (shown.length === 0) return `${entry.activity} the notebook`;
      return `changed the ${listWords(shown.map((field) => FIELD_NAMES[field] ?? field))}`;
    }
  }
}

/**
 * The loaded activity (newest first) as history items. An update that changed the content holds
 * the whole document after it; the notebook as created is the `before` of the next content change
 * (or, when none followed, the current content): activity logs no content on create.
 */
export function historyItems(
  entries: ActivityEntry[],
  current: { content: JsonNode | null; version: number } | undefined,
): HistoryItem[] {
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const repeat = seen.get(entry.created_at) ?? 0;
    seen.set(entry.created_at, repeat + 1);
    let content: JsonNode | null = null;
    let version: number | null = null;
    const versionChange = changeOf(entry, 'version');
    if (typeof versionChange?.after === 'number') version = versionChange.after;
    const contentChange = changeOf(entry, 'content');
    if (contentChange && isDocument(contentChange.after)) content = contentChange.after;
    if (entry.activity === 'created') {
      const newer = entries.slice(0, index).reverse();
      const nextContent = newer.find((later) => changeOf(later, 'content'));
      const nextVersion = newer.find((later) => changeOf(later, 'version'));
      const before = nextContent ? changeOf(nextContent, 'content')?.before : current?.content;
      content = isDocument(before) ? before : null;
      const versionBefore = nextVersion ? changeOf(nextVersion, 'version')?.before : current?.version;
      version = typeof versionBefore === 'number' ? versionBefore : null;
    }
    return { key: `${entry.created_at}#${repeat}`, entry, who: whoOf(entry), what: whatOf(entry), version, content };
  });
}
