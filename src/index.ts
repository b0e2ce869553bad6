/** avakit's library API: the CLI is a thin layer over these. */
export * as analysis from "./analysis/index.js";
export * as backends from "./backends/index.js";
export * from "./core/errors.js";
export * from "./core/hash.js";
export * from "./core/progress.js";
export * from "./core/types.js";
export { type DemoOptions, type DemoResult, runDemo } from "./demo/run-demo.js";
export * as embed from "./embed/index.js";
export * as evaluation from "./eval/index.js";
export * as metrics from "./eval/metrics/index.js";
export * from "./ingest/index.js";
export * as opinions from "./opinions/index.js";
export * from "./signals/index.js";
export * from "./store/index.js";
export * from "./synth/index.js";
export * as tasks from "./tasks/index.js";
export * as train from "./train/index.js";
export { VERSION } from "./version.js";
