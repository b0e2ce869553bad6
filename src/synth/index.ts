/** `avakit synth`: seeded, clearly labelled synthetic Meta Ad Library records. */
export {
  advertiserCount,
  audienceBucket,
  defaultAdvertiserCount,
  formatShare,
  impressionsBucket,
  Rng,
  type SynthAdRecord,
  type SynthConfig,
  type SynthDemographic,
  type SynthRange,
  type SynthRegion,
  spendBucket,
  synthesizeAds,
} from "./generate.js";
export {
  type SynthFileResult,
  SynthJsonlEncoder,
  type SynthProgress,
  writeSynthFile,
} from "./write.js";
