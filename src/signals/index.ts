export * from "./census-2020.js";
export * from "./compute.js";
export * from "./geography.js";
export * from "./records.js";
export * from "./summary.js";
