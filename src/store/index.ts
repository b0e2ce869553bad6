export * from "./rows.js";
export * from "./media-texts.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
export { Store, type StoredBatch, type StoreOptions } from "./store.js";
