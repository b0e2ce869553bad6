// The Porter stemmer (Porter, "An algorithm for suffix stripping", Program 14.3, 1980) as NLTK's
// nltk/stem/porter.py implements it, with its three modes. rouge_score stems with
// `porter.PorterStemmer()`, NLTK's default mode, NLTK_EXTENSIONS.
//
// Positions are UTF-16 code units where NLTK's are code points: the two agree on every word
// without characters beyond U+FFFF, which includes every ROUGE token ([a-z0-9]+).

/**
 * ORIGINAL_ALGORITHM: the 1980 paper. MARTIN_EXTENSIONS: the frozen version on Martin Porter's
 * site (voc.txt → output.txt). NLTK_EXTENSIONS: NLTK's further changes (the default).
 */
export type PorterMode = "ORIGINAL_ALGORITHM" | "MARTIN_EXTENSIONS" | "NLTK_EXTENSIONS";

export interface PorterOptions {
  /** Default NLTK_EXTENSIONS, as `nltk.stem.porter.PorterStemmer()`. */
  mode?: PorterMode;
  /** Lower-case the word first (NLTK's `to_lowercase`, default true). */
  toLowercase?: boolean;
}

// NLTK_EXTENSIONS' table of irregular forms, form → stem.
const IRREGULAR_FORMS: Record<string, readonly string[]> = {
  sky: ["sky", "skies"],
  die: ["dying"],
  lie: ["lying"],
  tie: ["tying"],
  news: ["news"],
  inning: ["innings", "inning"],
  outing: ["outings", "outing"],
  canning: ["cannings", "canning"],
  howe: ["howe"],
  proceed: ["proceed"],
  exceed: ["exceed"],
  succeed: ["succeed"],
};
const POOL = new Map<string, string>();
for (const [stem, forms] of Object.entries(IRREGULAR_FORMS)) {
  for (const form of forms) POOL.set(form, stem);
}

const VOWELS = new Set(["a", "e", "i", "o", "u"]);

/** A suffix rule: suffix ("*d" = a double consonant), replacement, condition on the stem. */
type Rule = readonly [string, string, ((stem: string) => boolean) | null];

class Stemmer {
  constructor(readonly mode: PorterMode) {}

  /** A letter other than a, e, i, o, u, and other than a y preceded by a consonant. */
  isConsonant(word: string, i: number): boolean {
    const ch = word[i]!;
    if (VOWELS.has(ch)) return false;
    if (ch === "y") return i === 0 ? true : !this.isConsonant(word, i - 1);
    return true;
  }

  /** m in [C](VC){m}[V]: the number of "vc" in the word's consonant/vowel pattern. */
  measure(stem: string): number {
    let m = 0;
    let previousVowel = false;
    for (let i = 0; i < stem.length; i++) {
      const consonant = this.isConsonant(stem, i);
      if (consonant && previousVowel) m++;
      previousVowel = !consonant;
    }
    return m;
  }

  hasPositiveMeasure = (stem: string): boolean => this.measure(stem) > 0;

  containsVowel(stem: string): boolean {
    for (let i = 0; i < stem.length; i++) if (!this.isConsonant(stem, i)) return true;
    return false;
  }

  /** *d: the word ends with a double consonant. */
  endsDoubleConsonant(word: string): boolean {
    const n = word.length;
    return n >= 2 && word[n - 1] === word[n - 2] && this.isConsonant(word, n - 1);
  }

  /** *o: the word ends consonant-vowel-consonant, the last not w, x or y. */
  endsCvc(word: string): boolean {
    const n = word.length;
    return (
      (n >= 3 &&
        this.isConsonant(word, n - 3) &&
        !this.isConsonant(word, n - 2) &&
        this.isConsonant(word, n - 1) &&
        !["w", "x", "y"].includes(word[n - 1]!)) ||
      (this.mode === "NLTK_EXTENSIONS" &&
        n === 2 &&
        !this.isConsonant(word, 0) &&
        this.isConsonant(word, 1))
    );
  }

  /** The first rule whose suffix matches decides: applied if its condition holds, else none. */
  applyRuleList(word: string, rules: readonly Rule[]): string {
    for (const [suffix, replacement, condition] of rules) {
      if (suffix === "*d" && this.endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
      if (word.endsWith(suffix)) {
        const stem = word.slice(0, word.length - suffix.length);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
    }
    return word;
  }

  step1a(word: string): string {
    // NLTK: 'dies' → 'die' where the paper gives 'di'.
    if (this.mode === "NLTK_EXTENSIONS" && word.endsWith("ies") && word.length === 4) {
      return `${word.slice(0, -3)}ie`;
    }
    return this.applyRuleList(word, [
      ["sses", "ss", null],
      ["ies", "i", null],
      ["ss", "ss", null],
      ["s", "", null],
    ]);
  }

  step1b(word: string): string {
    // NLTK: 'spied' → 'spi' but 'died' → 'die'.
    if (this.mode === "NLTK_EXTENSIONS" && word.endsWith("ied")) {
      return word.length === 4 ? `${word.slice(0, -3)}ie` : `${word.slice(0, -3)}i`;
    }
    if (word.endsWith("eed")) {
      const stem = word.slice(0, -3);
      return this.measure(stem) > 0 ? `${stem}ee` : word;
    }
    let intermediate: string | undefined;
    for (const suffix of ["ed", "ing"]) {
      if (word.endsWith(suffix)) {
        const candidate = word.slice(0, -suffix.length);
        if (this.containsVowel(candidate)) {
          intermediate = candidate;
          break;
        }
      }
    }
    if (intermediate === undefined) return word;
    const last = intermediate[intermediate.length - 1]!;
    return this.applyRuleList(intermediate, [
      ["at", "ate", null],
      ["bl", "ble", null],
      ["iz", "ize", null],
      ["*d", last, () => !["l", "s", "z"].includes(last)],
      ["", "e", (stem) => this.measure(stem) === 1 && this.endsCvc(stem)],
    ]);
  }

  step1c(word: string): string {
    // NLTK: y → i only after a consonant that is not the whole stem ('happy' → 'happi',
    // 'enjoy' and 'sky' unchanged); the paper asks only for a vowel in the stem.
    const condition =
      this.mode === "NLTK_EXTENSIONS"
        ? (stem: string) => stem.length > 1 && this.isConsonant(stem, stem.length - 1)
        : (stem: string) => this.containsVowel(stem);
    return this.applyRuleList(word, [["y", "i", condition]]);
  }

  step2(word: string): string {
    const positive = this.hasPositiveMeasure;
    if (this.mode === "NLTK_EXTENSIONS" && word.endsWith("alli") && positive(word.slice(0, -4))) {
      return this.step2(`${word.slice(0, -4)}al`);
    }
    const rules: Rule[] = [
      ["ational", "ate", positive],
      ["tional", "tion", positive],
      ["enci", "ence", positive],
      ["anci", "ance", positive],
      ["izer", "ize", positive],
      this.mode === "ORIGINAL_ALGORITHM" ? ["abli", "able", positive] : ["bli", "ble", positive],
      ["alli", "al", positive],
      ["entli", "ent", positive],
      ["eli", "e", positive],
      ["ousli", "ous", positive],
      ["ization", "ize", positive],
      ["ation", "ate", positive],
      ["ator", "ate", positive],
      ["alism", "al", positive],
      ["iveness", "ive", positive],
      ["fulness", "ful", positive],
      ["ousness", "ous", positive],
      ["aliti", "al", positive],
      ["iviti", "ive", positive],
      ["biliti", "ble", positive],
    ];
    if (this.mode === "NLTK_EXTENSIONS") {
      rules.push(["fulli", "ful", positive]);
      // The 'l' of 'logi' stays with the stem, so short stems like 'geo', 'theo' qualify.
      rules.push(["logi", "log", () => positive(word.slice(0, -3))]);
    }
    if (this.mode === "MARTIN_EXTENSIONS") rules.push(["logi", "log", positive]);
    return this.applyRuleList(word, rules);
  }

  step3(word: string): string {
    const positive = this.hasPositiveMeasure;
    return this.applyRuleList(word, [
      ["icate", "ic", positive],
      ["ative", "", positive],
      ["alize", "al", positive],
      ["iciti", "ic", positive],
      ["ical", "ic", positive],
      ["ful", "", positive],
      ["ness", "", positive],
    ]);
  }

  step4(word: string): string {
    const gt1 = (stem: string) => this.measure(stem) > 1;
    return this.applyRuleList(word, [
      ["al", "", gt1],
      ["ance", "", gt1],
      ["ence", "", gt1],
      ["er", "", gt1],
      ["ic", "", gt1],
      ["able", "", gt1],
      ["ible", "", gt1],
      ["ant", "", gt1],
      ["ement", "", gt1],
      ["ment", "", gt1],
      ["ent", "", gt1],
      ["ion", "", (stem) => gt1(stem) && ["s", "t"].includes(stem[stem.length - 1]!)],
      ["ou", "", gt1],
      ["ism", "", gt1],
      ["ate", "", gt1],
      ["iti", "", gt1],
      ["ous", "", gt1],
      ["ive", "", gt1],
      ["ize", "", gt1],
    ]);
  }

  step5a(word: string): string {
    // Both e-rules are tried (unlike step 1b's eed/ed), which is why this is no rule list.
    if (word.endsWith("e")) {
      const stem = word.slice(0, -1);
      if (this.measure(stem) > 1) return stem;
      if (this.measure(stem) === 1 && !this.endsCvc(stem)) return stem;
    }
    return word;
  }

  step5b(word: string): string {
    return this.applyRuleList(word, [["ll", "l", () => this.measure(word.slice(0, -1)) > 1]]);
  }
}

const STEMMERS: Record<PorterMode, Stemmer> = {
  ORIGINAL_ALGORITHM: new Stemmer("ORIGINAL_ALGORITHM"),
  MARTIN_EXTENSIONS: new Stemmer("MARTIN_EXTENSIONS"),
  NLTK_EXTENSIONS: new Stemmer("NLTK_EXTENSIONS"),
};

/** Porter stem of one word, as NLTK's `PorterStemmer(mode).stem(word, to_lowercase)`. */
export function porterStem(word: string, options: PorterOptions = {}): string {
  const mode = options.mode ?? "NLTK_EXTENSIONS";
  const s = STEMMERS[mode];
  if (s === undefined) throw new RangeError(`porterStem: unknown mode "${mode}"`);
  let stem = (options.toLowercase ?? true) ? word.toLowerCase() : word;
  // NLTK tests the unlowered word against the pool and its length, as here.
  if (mode === "NLTK_EXTENSIONS" && POOL.has(word)) return POOL.get(word)!;
  if (mode !== "ORIGINAL_ALGORITHM" && [...word].length <= 2) return stem;
  stem = s.step1a(stem);
  stem = s.step1b(stem);
  stem = s.step1c(stem);
  stem = s.step2(stem);
  stem = s.step3(stem);
  stem = s.step4(stem);
  stem = s.step5a(stem);
  stem = s.step5b(stem);
  return stem;
}
