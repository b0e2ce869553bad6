// Behavior vs opinion (AVA §3.2): similarity matrices, their correlation, the Mantel test.
export * from "./age-mapping.js";
export * from "./behavior.js";
export * from "./correlate.js";
export * from "./mantel.js";
export * from "./matrix-csv.js";
export * from "./opinions-file.js";
export * from "./similarity.js";
export * from "./spearman.js";
