// Evaluation metrics, pure functions. Per-item functions return the raw quantity (an alignment or
// similarity in [0, 1], a distance); aggregates return the paper's Table 2 scale (× 100) with n.
export * from "./bleu.js";
export * from "./bootstrap.js";
export * from "./culture-nli.js";
export * from "./global-opinions.js";
export * from "./jensen-shannon.js";
export * from "./opinion-alignment.js";
export * from "./porter.js";
export * from "./rouge.js";
export * from "./steerability.js";
export * from "./summation.js";
export * from "./tokenize-13a.js";
export * from "./wasserstein.js";
