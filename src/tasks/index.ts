/** The AVA dataset builder (§3.3): task templates, pair mining, splits, the build pipeline. */
export * from "./build.js";
export * from "./card.js";
export * from "./config.js";
export * from "./mix.js";
export * from "./pair-templates.js";
export * from "./pairs.js";
export * from "./single-tasks.js";
export * from "./splits.js";
export * from "./task-ad.js";
export * from "./types.js";
export * from "./verbalize.js";
export * from "./word-edits.js";
