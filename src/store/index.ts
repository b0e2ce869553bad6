export * from "./embeddings.js";
export * from "./media-texts.js";
export * from "./rows.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";
export { Store, type StoredBatch, type StoreOptions } from "./store.js";
