/**
 * Message schemas as data.
 *
 * Each message is a list of `[fieldNumber, goType, jsonTag]` rows copied from the Go struct in
 * k8s.io/api (types.go: the Go type and `json:"…"` tag) and the field number from its
 * generated.proto. Writing the Go type and tag — rather than a protobuf type — is deliberate:
 * the decoder's output must be what Go's encoding/json would print for the struct gogo-protobuf
 * decoded, and that depends on exactly those two things:
 *
 *   goType    string | []byte | int32 | int64 | bool | float64            scalars
 *             Time | MicroTime | Quantity | IntOrString | FieldsV1        well-known apimachinery types
 *             <MessageName>                                               another schema (a struct)
 *             *T   pointer: emitted whenever present on the wire, even when zero
 *             []T  repeated;  map[string]T  map (wire: repeated {1: key, 2: value} entries)
 *   jsonTag   'name,omitempty' | 'name' | ',inline' (embedded struct whose fields merge into the parent)
 *
 * Rows are listed in Go struct order, which is the order keys appear in the JSON output.
 */

export type FieldRow = readonly [field: number, goType: string, jsonTag: string];
export type MessageSchema = readonly FieldRow[];
export type SchemaSet = Readonly<Record<string, MessageSchema>>;

export type ScalarType = 'string' | '[]byte' | 'int32' | 'int64' | 'bool' | 'float64';
export type WellKnownType = 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'FieldsV1';

/** A Go type, parsed once from its string form. */
export type GoType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'wellKnown'; name: WellKnownType }
  | { kind: 'message'; name: string }
  | { kind: 'pointer'; elem: GoType }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'map'; value: GoType };

export interface CompiledField {
  field: number;
  goTypeText: string;
  type: GoType;
  /** JSON key; '' for an inline embedded struct. */
  json: string;
  omitempty: boolean;
  inline: boolean;
}

export interface CompiledMessage {
  name: string;
  /** Go struct order. */
  fields: readonly CompiledField[];
  byNumber: ReadonlyMap<number, CompiledField>;
}

const SCALARS = new Set<string>(['string', '[]byte', 'int32', 'int64', 'bool', 'float64']);
const WELL_KNOWN = new Set<string>(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'FieldsV1']);

export function parseGoType(text: string): GoType {
  if (SCALARS.has(text)) return { kind: 'scalar', scalar: text as ScalarType };
  if (WELL_KNOWN.has(text)) return { kind: 'wellKnown', name: text as WellKnownType };
  if (text.startsWith('*')) return { kind: 'pointer', elem: parseGoType(text.slice(1)) };
  if (text.startsWith('[]')) return { kind: 'slice', elem: parseGoType(text.slice(2)) };
  if (text.startsWith('map[string]')) return { kind: 'map', value: parseGoType(text.slice('map[string]'.length)) };
  if (/^[A-Z][A-Za-z0-9]*$/.test(text)) return { kind: 'message', name: text };
  throw new Error(`unsupported Go type "${text}"`);
}

function messageRefs(t: GoType): string[] {
  switch (t.kind) {
    case 'message': return [t.name];
    case 'pointer': case 'slice': return messageRefs(t.elem);
    case 'map': return messageRefs(t.value);
    default: return [];
  }
}

/**
 * Compiles and checks a schema set: every referenced message exists, field numbers and JSON
 * keys are unique per message, and no message contains itself (so decoding depth is bounded by
 * the schema, whatever the input). Throws on a schema bug — at module load, not per request.
 */
export function compileSchemas(set: SchemaSet): ReadonlyMap<string, CompiledMessage> {
  const out = new Map<string, CompiledMessage>();
  for (const [name, rows] of Object.entries(set)) {
    const fields: CompiledField[] = [];
    const byNumber = new Map<number, CompiledField>();
    const keys = new Set<string>();
    for (const [field, goTypeText, tag] of rows) {
      const [json = '', ...opts] = tag.split(',');
      const inline = opts.includes('inline');
      const f: CompiledField = { field, goTypeText, type: parseGoType(goTypeText), json, omitempty: opts.includes('omitempty'), inline };
      if (byNumber.has(field)) throw new Error(`schema ${name}: duplicate field number ${field}`);
      if (!inline && (json === '' || keys.has(json))) throw new Error(`schema ${name}: bad or duplicate JSON key "${json}"`);
      if (inline && f.type.kind !== 'message') throw new Error(`schema ${name}: inline field ${field} must be a struct`);
      for (const ref of messageRefs(f.type)) {
        if (!(ref in set)) throw new Error(`schema ${name}.${json || ref}: unknown message ${ref}`);
      }
      keys.add(json);
      byNumber.set(field, f);
      fields.push(f);
    }
    out.set(name, { name, fields, byNumber });
  }
  assertAcyclic(out);
  return out;
}

function assertAcyclic(messages: ReadonlyMap<string, CompiledMessage>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`schema cycle: ${[...trail, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const f of messages.get(name)?.fields ?? []) {
      for (const ref of messageRefs(f.type)) visit(ref, [...trail, name]);
    }
    state.set(name, 'done');
  };
  for (const name of messages.keys()) visit(name, []);
}
