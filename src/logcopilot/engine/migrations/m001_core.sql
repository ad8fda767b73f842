-- Core log store: streams (label sets), sources (ingested files), entries, rejected lines.
CREATE TABLE streams (
    stream_id   INTEGER PRIMARY KEY,
    tenant      VARCHAR NOT NULL DEFAULT 'fake',
    labels_key  VARCHAR NOT NULL,          -- canonical {k="v", ...}, keys sorted
    labels      JSON NOT NULL,             -- {"k": "v", ...}
    UNIQUE (tenant, labels_key)
);
CREATE TABLE sources (
    source_id      INTEGER PRIMARY KEY,
    system         VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,       -- absolute path, or '-' for stdin, or 'push'
    sha256         VARCHAR,                -- of the file content (identity for re-ingest)
    bytes          BIGINT,
    format         VARCHAR,
    ingested_at    TIMESTAMP DEFAULT current_timestamp,
    lines_read     BIGINT DEFAULT 0,
    lines_stored   BIGINT DEFAULT 0,
    lines_rejected BIGINT DEFAULT 0,
    report         JSON
);
-- One row per log entry. (source_id, line_no) identifies a line of a file, so two identical
-- lines with the same timestamp are two entries; seq is the global push order, used to break
-- ties between equal timestamps exactly as Loki keeps push order.
CREATE TABLE entries (
    stream_id   INTEGER NOT NULL,
    ts          BIGINT NOT NULL,           -- nanoseconds since the Unix epoch, UTC
    seq         BIGINT NOT NULL,
    line        VARCHAR NOT NULL,          -- the raw line, unchanged
    source_id   INTEGER,                   -- NULL for entries pushed over HTTP
    line_no     BIGINT,                    -- 1-based physical line number in the source
    metadata    JSON,                      -- structured metadata {"k": "v"} or NULL
    template_id VARCHAR,                   -- set by indexing
    params      VARCHAR[]                  -- template parameter values, set by indexing
);
CREATE TABLE rejects (
    source_id INTEGER NOT NULL,
    line_no   BIGINT NOT NULL,
    reason    VARCHAR NOT NULL,
    raw       VARCHAR
);
