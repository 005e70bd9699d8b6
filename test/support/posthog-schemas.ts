import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

/**
 * PostHog's published response schemas for the notebook endpoints (test/fixtures/posthog-openapi-notebooks.json,
 * taken from PostHog's OpenAPI document), turned from OpenAPI 3.0 into JSON Schema so Ajv can check our
 * responses against them.
 */
const SPEC_PATH = fileURLToPath(new URL('../fixtures/posthog-openapi-notebooks.json', import.meta.url));
const ROOT_ID = 'posthog-notebooks';
const COMPONENT_REF = '#/components/schemas/';

type JsonSchemaNode = { [key: string]: unknown };

interface PostHogOpenApi {
  components: { schemas: Record<string, JsonSchemaNode> };
  operations: Record<
    string,
    { method: string; path: string; scopes: string[]; response: Record<string, string | null> }
  >;
}

const isNode = (value: unknown): value is JsonSchemaNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a type union with "null" (or an anyOf with
 * {"type": "null"} when the node has no type of its own), component refs point into `definitions`,
 * and the OpenAPI-only `example` annotation is dropped.
 */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!isNode(value)) return value;
  const node: JsonSchemaNode = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'nullable' || key === 'example') continue;
    if (key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_REF)) {
      node.$ref = `${ROOT_ID}#/definitions/${child.slice(COMPONENT_REF.length)}`;
      continue;
    }
    // Property names are data, not schema keywords: keep them verbatim.
    node[key] =
      key === 'properties' && isNode(child)
        ? Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, toJsonSchema(schema)]))
        : toJsonSchema(child);
  }
  if (value.nullable !== true) return node;
  if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
    return node;
  }
  const constrained = ['$ref', 'allOf', 'oneOf', 'anyOf', 'enum', 'const', 'properties'].some(
    (keyword) => keyword in node,
  );
  if (!constrained) return node;
  const { description, readOnly, writeOnly, title, ...rest } = node;
  const annotations = Object.fromEntries(
    Object.entries({ description, readOnly, writeOnly, title }).filter(([, v]) => v !== undefined),
  );
  return { ...annotations, anyOf: [{ type: 'null' }, rest] };
}

function loadSpec(): PostHogOpenApi {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as PostHogOpenApi;
}

let validators: Map<string, ValidateFunction> | undefined;

function compiledValidators(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const spec = loadSpec();
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  ajvFormats.default(ajv);
  const definitions = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]),
  );
  ajv.addSchema({ $id: ROOT_ID, definitions });
  validators = new Map(
    Object.keys(definitions).map((name) => [name, ajv.compile({ $ref: `${ROOT_ID}#/definitions/${name}` })]),
  );
  return validators;
}

const describeError = (error: ErrorObject): string =>
  `${error.instancePath || '(root)'} ${error.message ?? error.keyword}${error.params && Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : ''}`;

/** The names of PostHog's published schemas (Notebook, NotebookMinimal, UserBasic, …). */
export function postHogSchemaNames(): string[] {
  return [...compiledValidators().keys()];
}

/** Validates a response body against one of PostHog's schemas; an empty list means it conforms. */
export function validatePostHog(schemaName: string, body: unknown): string[] {
  const validate = compiledValidators().get(schemaName);
  if (!validate) throw new Error(`PostHog publishes no schema named "${schemaName}"`);
  return validate(body) ? [] : (validate.errors ?? []).map(describeError);
}

/** The schema PostHog documents for an operation's response status, or null when it documents no body. */
export function postHogResponseSchema(operationId: string, status: number): string | null {
  const operation = loadSpec().operations[operationId];
  if (!operation) throw new Error(`PostHog publishes no operation "${operationId}"`);
  const schema = operation.response[String(status)];
  if (schema === undefined) throw new Error(`PostHog documents no ${status} response for "${operationId}"`);
  return schema;
}
