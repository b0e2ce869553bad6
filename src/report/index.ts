// The HTML report (`avakit report`) and its charts.
export * from "./charts.js";
export * from "./correlation.js";
export * from "./dataset.js";
export * from "./escape.js";
export * from "./evaluation.js";
export * from "./html.js";
export * from "./overview.js";
export * from "./report.js";
export * from "./us-states.js";
