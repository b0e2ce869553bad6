import { writeFileSync } from "node:fs";

/**
 * A tiny Llama-architecture GGUF model written from scratch, for testing the in-process
 * llama.cpp backend offline (no model can be downloaded here).
 *
 * It is a real model file that llama.cpp loads and runs, built so that its next-token
 * distribution has a closed form the tests can compute independently:
 * - every attention and feed-forward weight is zero, so each block adds nothing and the
 *   residual stream at a position is the embedding of the token there;
 * - the embedding of token t is 4·e_{slot(t)} (one-hot in `EMBD` dimensions), so after the
 *   RMS norm it is 4/sqrt(1 + eps)·e_{slot(t)} (all norm weights are 1);
 * - hence logits(next | ..., t) = 4/sqrt(1 + eps) · OUT[slot(t)][·], where `OUT` is ours.
 * So the distribution after a token depends only on that token's slot, and the test knows it.
 *
 * Vocabulary: GPT-2 byte-level BPE (`tokenizer.ggml.model = "gpt2"`): <s>, </s>, ChatML's
 * <|im_start|>/<|im_end|> (control), the 256 byte tokens, then "ĠA".."ĠZ" with their merges,
 * so " A" is one token and "A" another, as in real vocabularies.
 */

export const EMBD = 16;
export const RMS_EPS = 1e-5;
/** logits = OUT_SCALE · OUT[slot][token]. */
export const OUT_SCALE = 4 / Math.sqrt(1 + RMS_EPS);

/** GPT-2's byte → printable-character map. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map = new Array<string>(256);
  for (const b of bs) map[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) map[b] = String.fromCharCode(256 + n++);
  }
  return map;
}

export const BYTE_CHARS = bytesToUnicode();
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("");

export interface TinyVocab {
  tokens: string[];
  types: number[];
  merges: string[];
  bos: number;
  eos: number;
  /** Token id of the single-byte token for `ch` (ASCII). */
  byte(ch: string): number;
  /** Token id of "ĠL" (a space then the letter). */
  spaced(letter: string): number;
}

export function tinyVocab(): TinyVocab {
  const tokens = ["<s>", "</s>", "<|im_start|>", "<|im_end|>"];
  const types = [3, 3, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(BYTE_CHARS[b]!);
    types.push(1);
  }
  const merges: string[] = [];
  for (const l of LETTERS) {
    tokens.push(`Ġ${l}`);
    types.push(1);
    merges.push(`Ġ ${l}`);
  }
  return {
    tokens,
    types,
    merges,
    bos: 0,
    eos: 1,
    byte: (ch) => 4 + ch.charCodeAt(0),
    spaced: (l) => 260 + LETTERS.indexOf(l),
  };
}

/** Which embedding slot token `t` uses (the tests' designs give a few tokens their own slot). */
export type SlotOf = (token: number) => number;

export interface TinyModelDesign {
  /** slot(token) in [0, EMBD). */
  slotOf: SlotOf;
  /** OUT[slot] = the (unscaled) logit row over the vocabulary after a token of that slot. */
  out: Float32Array[];
}

// ---------------------------------------------------------------------------------------------
// GGUF v3 writer (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md)

const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

class Buf {
  chunks: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
}

type Kv =
  | [string, "u32", number]
  | [string, "f32", number]
  | [string, "bool", boolean]
  | [string, "str", string]
  | [string, "strs", string[]]
  | [string, "i32s", number[]]
  | [string, "f32s", number[]];

function writeKv(buf: Buf, [key, kind, value]: Kv): void {
  buf.str(key);
  switch (kind) {
    case "u32":
      buf.u32(T.U32);
      buf.u32(value);
      return;
    case "f32":
      buf.u32(T.F32);
      buf.f32(value);
      return;
    case "bool":
      buf.u32(T.BOOL);
      buf.push(Buffer.from([value ? 1 : 0]));
      return;
    case "str":
      buf.u32(T.STRING);
      buf.str(value);
      return;
    case "strs":
      buf.u32(T.ARRAY);
      buf.u32(T.STRING);
      buf.u64(value.length);
      for (const s of value) buf.str(s);
      return;
    case "i32s":
      buf.u32(T.ARRAY);
      buf.u32(T.I32);
      buf.u64(value.length);
      for (const v of value) buf.i32(v);
      return;
    case "f32s":
      buf.u32(T.ARRAY);
      buf.u32(T.F32);
      buf.u64(value.length);
      for (const v of value) buf.f32(v);
      return;
  }
}

interface Tensor {
  name: string;
  /** ggml order: ne[0] is the row length. */
  dims: number[];
  data: Float32Array;
}

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** Writes the model to `path`; returns the vocabulary it used. */
export function writeTinyGguf(path: string, design: (v: TinyVocab) => TinyModelDesign): TinyVocab {
  const vocab = tinyVocab();
  const nVocab = vocab.tokens.length;
  const { slotOf, out } = design(vocab);
  const nFf = 32;
  const nHead = 2;
  const tensors: Tensor[] = [];
  const zeros = (n: number) => new Float32Array(n);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const embd = new Float32Array(EMBD * nVocab);
  for (let t = 0; t < nVocab; t++) {
    const s = slotOf(t);
    if (!(s >= 0 && s < EMBD)) throw new Error(`slot ${s} of token ${t} out of range`);
    embd[t * EMBD + s] = 4;
  }
  const outW = new Float32Array(EMBD * nVocab);
  for (let s = 0; s < EMBD; s++) {
    const row = out[s] ?? new Float32Array(nVocab);
    if (row.length !== nVocab) throw new Error(`OUT[${s}] has ${row.length} logits, not ${nVocab}`);
    for (let t = 0; t < nVocab; t++) outW[t * EMBD + s] = row[t]!;
  }
  tensors.push({ name: "token_embd.weight", dims: [EMBD, nVocab], data: embd });
  tensors.push({ name: "output_norm.weight", dims: [EMBD], data: ones(EMBD) });
  tensors.push({ name: "output.weight", dims: [EMBD, nVocab], data: outW });
  const b = "blk.0";
  tensors.push({ name: `${b}.attn_norm.weight`, dims: [EMBD], data: ones(EMBD) });
  for (const w of ["attn_q", "attn_k", "attn_v", "attn_output"]) {
    tensors.push({ name: `${b}.${w}.weight`, dims: [EMBD, EMBD], data: zeros(EMBD * EMBD) });
  }
  tensors.push({ name: `${b}.ffn_norm.weight`, dims: [EMBD], data: ones(EMBD) });
  tensors.push({ name: `${b}.ffn_gate.weight`, dims: [EMBD, nFf], data: zeros(EMBD * nFf) });
  tensors.push({ name: `${b}.ffn_up.weight`, dims: [EMBD, nFf], data: zeros(EMBD * nFf) });
  tensors.push({ name: `${b}.ffn_down.weight`, dims: [nFf, EMBD], data: zeros(EMBD * nFf) });

  const kvs: Kv[] = [
    ["general.architecture", "str", "llama"],
    ["general.name", "str", "avakit-tiny-test"],
    ["general.alignment", "u32", 32],
    ["general.file_type", "u32", 0],
    ["llama.context_length", "u32", 2048],
    ["llama.embedding_length", "u32", EMBD],
    ["llama.block_count", "u32", 1],
    ["llama.feed_forward_length", "u32", nFf],
    ["llama.attention.head_count", "u32", nHead],
    ["llama.attention.head_count_kv", "u32", nHead],
    ["llama.rope.dimension_count", "u32", EMBD / nHead],
    ["llama.attention.layer_norm_rms_epsilon", "f32", RMS_EPS],
    ["llama.vocab_size", "u32", nVocab],
    ["tokenizer.ggml.model", "str", "gpt2"],
    ["tokenizer.ggml.pre", "str", "default"],
    ["tokenizer.ggml.tokens", "strs", vocab.tokens],
    ["tokenizer.ggml.token_type", "i32s", vocab.types],
    ["tokenizer.ggml.merges", "strs", vocab.merges],
    ["tokenizer.ggml.bos_token_id", "u32", vocab.bos],
    ["tokenizer.ggml.eos_token_id", "u32", vocab.eos],
    ["tokenizer.ggml.add_bos_token", "bool", false],
    ["tokenizer.chat_template", "str", CHATML],
  ];
  const head = new Buf();
  head.push(Buffer.from("GGUF", "ascii"));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(kvs.length);
  for (const kv of kvs) writeKv(head, kv);
  const align = (n: number) => Math.ceil(n / 32) * 32;
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset = align(offset + t.data.byteLength);
  }
  tensors.forEach((t, i) => {
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(0); // GGML_TYPE_F32
    head.u64(offsets[i]!);
  });
  const pad = align(head.size) - head.size;
  if (pad > 0) head.push(Buffer.alloc(pad));
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    head.push(bytes);
    const end = offsets[i]! + t.data.byteLength;
    const next = i + 1 < tensors.length ? offsets[i + 1]! : align(end);
    if (next > end) head.push(Buffer.alloc(next - end));
  }
  writeFileSync(path, Buffer.concat(head.chunks));
  return vocab;
}
