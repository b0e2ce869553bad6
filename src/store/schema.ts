/**
 * The store's schema as an ordered list of migrations. The store applies the ones a database has
 * not seen, in order, each in its own transaction, and records them in `schema_version`.
 * Never edit a released migration: append a new one.
 */
export const MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: "ads, signals, quarantine, crawl state, ingest runs",
    sql: `
      CREATE TABLE ads (
        ad_id VARCHAR NOT NULL,
        page_id VARCHAR NOT NULL,
        page_name VARCHAR,
        byline VARCHAR,
        body VARCHAR NOT NULL,
        bodies VARCHAR,                   -- JSON list of all cleaned creative bodies; NULL when only one
        title VARCHAR,
        link_caption VARCHAR,
        link_description VARCHAR,
        platforms VARCHAR NOT NULL,       -- JSON list
        languages VARCHAR NOT NULL,       -- JSON list
        currency VARCHAR,
        created_date DATE,
        start_date DATE NOT NULL,
        end_date DATE,
        spend_lower BIGINT, spend_upper BIGINT,
        impressions_lower BIGINT, impressions_upper BIGINT,
        audience_lower BIGINT, audience_upper BIGINT,
        state_delivery VARCHAR NOT NULL,  -- JSON, 51 delivery shares in US_STATES order (0 = none)
        other_regions VARCHAR,            -- JSON [[region, share], ...] outside the 51 (PR, territories, Unknown)
        demographics VARCHAR NOT NULL,    -- JSON, 24 shares: ages 13-17..65+, unknown × female, male, unknown
        snapshot_url VARCHAR,             -- never with an access_token
        media VARCHAR NOT NULL,           -- JSON list of media paths/URLs
        source VARCHAR NOT NULL,
        line INTEGER,
        record_key VARCHAR NOT NULL,      -- content key of the raw record (idempotent re-ingest)
        body_key VARCHAR NOT NULL,        -- key of (page, normalised body) for duplicate bodies
        synthetic BOOLEAN NOT NULL,
        run_id INTEGER NOT NULL
      );
      -- The signals the builder filters and groups on. The full interest vectors and rankings are
      -- recomputed from ads.state_delivery by computeSignals (one implementation) when read.
      CREATE TABLE signals (
        ad_id VARCHAR NOT NULL,
        top_state VARCHAR NOT NULL,
        top_states VARCHAR NOT NULL,      -- JSON, up to 3 reached states, best first
        top_region VARCHAR NOT NULL,
        best_age_group VARCHAR,
        best_gender VARCHAR,
        impressions_per_usd DOUBLE
      );
      CREATE TABLE quarantine (
        rule VARCHAR NOT NULL,
        detail VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        line INTEGER,
        ad_id VARCHAR,
        page_id VARCHAR,
        record_key VARCHAR NOT NULL,
        raw VARCHAR NOT NULL,             -- access tokens redacted, at most 64 KiB
        run_id INTEGER NOT NULL
      );
      CREATE TABLE crawl_state (
        crawl_key VARCHAR PRIMARY KEY,
        params VARCHAR NOT NULL,          -- JSON of the crawl parameters (never the token)
        next_url VARCHAR,                 -- paging.next without access_token; NULL when done
        pages INTEGER NOT NULL,
        ads INTEGER NOT NULL,
        done BOOLEAN NOT NULL,
        updated_at TIMESTAMP NOT NULL
      );
      CREATE TABLE ingest_runs (
        run_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,            -- 'files' or 'crawl'
        inputs VARCHAR NOT NULL,          -- JSON list of files or the crawl key
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        counts VARCHAR                    -- JSON IngestCounts
      );
    `,
  },
  {
    version: 2,
    description: "embedding cache, verbalized media cache",
    sql: `
      -- One vector per (embedder, text): computed once, reused by every build.
      CREATE TABLE embeddings (
        embedder VARCHAR NOT NULL,        -- the embedder's id: name@version (see src/embed)
        text_key VARCHAR NOT NULL,        -- contentKey(text)
        dim INTEGER NOT NULL,
        vec BLOB NOT NULL                 -- Float32, little-endian, dim values
      );
      -- A vision model's description (plus any text) of one media item, per model.
      CREATE TABLE media_texts (
        model VARCHAR NOT NULL,           -- backend spec + base URL, never a key
        media VARCHAR NOT NULL,           -- the path or URL as stored in ads.media
        text VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
