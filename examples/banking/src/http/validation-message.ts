/** One issue as the JSON Schema validator reports it (Ajv, with `verbose`: the failing schema and value). */
export interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string | undefined;
  readonly parentSchema?: Record<string, unknown> | undefined;
  readonly data?: unknown;
}

/** What a refused request is told: the field at fault and a sentence a person can act on. */
export interface InvalidField {
  readonly field: string;
  readonly message: string;
}

const places: Record<string, string> = { body: 'the body', querystring: 'the query string', params: 'the path', headers: 'the headers' };

const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

const typeWords: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

/** The literal values a union of `const` schemas (TypeBox's union of literals) allows. */
function allowedValues(schema: Record<string, unknown> | undefined): unknown[] | undefined {
  if (Array.isArray(schema?.enum)) return schema.enum as unknown[];
  const branches = schema?.anyOf;
  if (!Array.isArray(branches)) return undefined;
  const values = branches.map((branch: Record<string, unknown>) => branch.const);
  return values.every((value) => value !== undefined) ? values : undefined;
}

/** What a schema asks of a value, in words: its description when it has one. */
function expected(schema: Record<string, unknown> | undefined): string | undefined {
  const description = schema?.description;
  return typeof description === 'string' ? description : undefined;
}

/**
 * The validator's issues about one request part as one readable refusal: the field, what it must be (the
 * allowed values, the range, the description of the schema), and what was sent. Raw validator wording
 * ("must match pattern …", "must be equal to constant") never reaches the client.
 */
export function describeInvalid(context: string | undefined, issues: readonly SchemaIssue[]): InvalidField {
  const place = places[context ?? ''] ?? 'the request';
  // A union of literals fails once per branch, then as a whole: the whole says which values are allowed.
  const issue = issues.find((i) => i.keyword === 'anyOf') ?? issues[0];
  if (!issue) return { field: '', message: `${place} is invalid` };
  const path = issue.instancePath.split('/').filter(Boolean).join('.');
  const schema = issue.parentSchema;
  const got = `, got ${shown(issue.data)}`;
  const at = (field: string) => (field ? `${field} in ${place}` : place);
  switch (issue.keyword) {
    case 'required': {
      const field = [path, String(issue.params.missingProperty)].filter(Boolean).join('.');
      return { field, message: `${at(field)} is required` };
    }
    case 'additionalProperties': {
      const field = String(issue.params.additionalProperty);
      const known = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
      return { field, message: `${place} has an unknown field "${field}"; the fields are ${known.join(', ')}` };
    }
    case 'anyOf':
    case 'enum': {
      const values = allowedValues(schema);
      const what = values ? `one of ${values.map((v) => (typeof v === 'string' ? v : shown(v))).join(', ')}` : (expected(schema) ?? 'valid');
      return { field: path, message: `${at(path)} must be ${what}${got}` };
    }
    case 'type':
      return { field: path, message: `${at(path)} must be ${typeWords[String(issue.params.type)] ?? String(issue.params.type)}${got}` };
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = schema ?? {};
      const kind = schema?.type === 'integer' ? 'an integer' : 'a number';
      const range = minimum !== undefined && maximum !== undefined ? `from ${String(minimum)} to ${String(maximum)}` : minimum !== undefined ? `of at least ${String(minimum)}` : `of at most ${String(maximum)}`;
      const unit = expected(schema);
      return { field: path, message: `${at(path)} must be ${kind} ${range}${unit ? ` (${unit})` : ''}${got}` };
    }
    case 'minLength':
    case 'maxLength': {
      const { minLength, maxLength } = schema ?? {};
      return { field: path, message: `${at(path)} must be ${String(minLength ?? 0)} to ${String(maxLength ?? '…')} characters long${got}` };
    }
    default: {
      // pattern, format…: the schema's description says what the value must be.
      const what = expected(schema);
      return { field: path, message: what ? `${at(path)} must be ${what}${got}` : `${at(path)} is invalid${got}` };
    }
  }
}
