/** A numeric variable for a synthetic .sav file. */
export interface FixtureVariable {
  name: string;
  label?: string;
  valueLabels?: Array<[number, string]>;
  /** One value per respondent; NaN = system-missing. */
  values: number[];
}

/**
 * Writes a minimal SPSS system file (PSPP's "System File Format": header, variable records,
 * value labels, long variable names, encoding, dictionary end, data), numeric variables only,
 * bytecode-compressed (bias 100) or raw. For tests of the .sav reader and builder.
 */
export function writeSav(
  variables: FixtureVariable[],
  opts: { compressed?: boolean } = {},
): Buffer {
  const compressed = opts.compressed ?? true;
  const parts: Buffer[] = [];
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const float64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    return b;
  };
  const padded = (s: string, len: number) => {
    const b = Buffer.alloc(len, " ");
    b.write(s, "utf8");
    return b;
  };
  const rows = variables[0]?.values.length ?? 0;
  // header
  parts.push(Buffer.from("$FL2"), padded("@(#) SPSS DATA FILE avakit test fixture", 60));
  parts.push(int32(2), int32(variables.length), int32(compressed ? 1 : 0), int32(0), int32(rows));
  parts.push(float64(100), padded("01 Jan 24", 9), padded("00:00:00", 8), padded("", 64));
  parts.push(Buffer.alloc(3));
  const shortNames = variables.map((_, i) => `V${i + 1}`);
  const format = (5 << 16) | (8 << 8) | 2; // F8.2
  variables.forEach((v, i) => {
    const label = Buffer.from(v.label ?? "", "utf8");
    parts.push(int32(2), int32(0), int32(v.label ? 1 : 0), int32(0), int32(format), int32(format));
    parts.push(padded(shortNames[i]!, 8));
    if (v.label) {
      parts.push(int32(label.length), label, Buffer.alloc((4 - (label.length % 4)) % 4));
    }
  });
  variables.forEach((v, i) => {
    if (!v.valueLabels?.length) return;
    parts.push(int32(3), int32(v.valueLabels.length));
    for (const [val, text] of v.valueLabels) {
      const t = Buffer.from(text, "utf8");
      parts.push(
        float64(val),
        Buffer.from([t.length]),
        t,
        Buffer.alloc((8 - ((t.length + 1) % 8)) % 8),
      );
    }
    parts.push(int32(4), int32(1), int32(i + 1));
  });
  const longNames = Buffer.from(
    variables.map((v, i) => `${shortNames[i]}=${v.name}`).join("\t"),
    "utf8",
  );
  parts.push(int32(7), int32(13), int32(1), int32(longNames.length), longNames);
  const enc = Buffer.from("UTF-8");
  parts.push(int32(7), int32(20), int32(1), int32(enc.length), enc);
  parts.push(int32(999), int32(0));
  // data
  if (!compressed) {
    for (let r = 0; r < rows; r++) {
      for (const v of variables) {
        const x = v.values[r]!;
        parts.push(float64(Number.isNaN(x) ? -Number.MAX_VALUE : x));
      }
    }
  } else {
    let codes: number[] = [];
    let raw: Buffer[] = [];
    const flush = () => {
      while (codes.length < 8) codes.push(0);
      parts.push(Buffer.from(codes), ...raw);
      codes = [];
      raw = [];
    };
    for (let r = 0; r < rows; r++) {
      for (const v of variables) {
        const x = v.values[r]!;
        if (Number.isNaN(x)) codes.push(255);
        else if (Number.isInteger(x) && x >= -99 && x <= 151) codes.push(x + 100);
        else {
          codes.push(253);
          raw.push(float64(x));
        }
        if (codes.length === 8) flush();
      }
    }
    codes.push(252);
    flush();
  }
  return Buffer.concat(parts);
}
