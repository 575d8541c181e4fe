import { describe, expect, it } from 'vitest';
import { compileSchemas, parseGoType } from '../../../../control/api/protobuf/schema.js';

describe('schema language', () => {
  it('parses Go types', () => {
    expect(parseGoType('*int32')).toEqual({ kind: 'pointer', elem: { kind: 'scalar', scalar: 'int32' } });
    expect(parseGoType('[]byte')).toEqual({ kind: 'scalar', scalar: '[]byte' });
    expect(parseGoType('map[string][]byte')).toEqual({ kind: 'map', value: { kind: 'scalar', scalar: '[]byte' } });
    expect(parseGoType('[]OwnerReference')).toEqual({ kind: 'slice', elem: { kind: 'message', name: 'OwnerReference' } });
    expect(parseGoType('*Time')).toEqual({ kind: 'pointer', elem: { kind: 'wellKnown', name: 'Time' } });
    expect(() => parseGoType('uint8')).toThrow(/unsupported Go type/);
  });

  it('rejects schema bugs at compile time', () => {
    expect(() => compileSchemas({ A: [[1, 'B', 'b']] })).toThrow(/unknown message B/);
    expect(() => compileSchemas({ A: [[1, 'string', 'a'], [1, 'string', 'b']] })).toThrow(/duplicate field number 1/);
    expect(() => compileSchemas({ A: [[1, 'string', 'a'], [2, 'string', 'a,omitempty']] })).toThrow(/duplicate JSON key/);
    expect(() => compileSchemas({ A: [[1, 'string', ',inline']] })).toThrow(/inline field 1 must be a struct/);
    expect(() => compileSchemas({ A: [[1, '*B', 'b']], B: [[1, '[]A', 'a']] })).toThrow(/schema cycle: A → B → A/);
  });

  it('keeps rows in Go struct order and reads json tag options', () => {
    const m = compileSchemas({ L: [[1, 'string', 'name,omitempty']], A: [[3, 'string', 'z'], [1, 'L', ',inline'], [2, 'int32', 'y,omitempty']] }).get('A')!;
    expect(m.fields.map((f) => [f.field, f.json, f.omitempty, f.inline])).toEqual([[3, 'z', false, false], [1, '', false, true], [2, 'y', true, false]]);
  });
});
