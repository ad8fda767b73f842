-- Knowledge base beyond templates: parameters (+ their values and LogQL recipes), workflows,
-- summaries, embeddings, and per-stage index state. One system's rows are replaced as a
-- whole by each stage, so no foreign keys: a stage can rewrite its table without touching
-- the others.

-- One row per template slot (<*>), position 0-based in template order.
CREATE TABLE parameters (
    system          VARCHAR NOT NULL,
    template_id     VARCHAR NOT NULL,
    position        INTEGER NOT NULL,
    name            VARCHAR NOT NULL,      -- LogQL label name, unique within the template
    type            VARCHAR NOT NULL,      -- ip, ip:port, int, float, hex, uuid, path, duration, size, string, ...
    examples        VARCHAR[],             -- most frequent values first
    distinct_count  BIGINT NOT NULL,
    total           BIGINT NOT NULL,       -- lines of the template carrying a value
    min_value       DOUBLE,                -- numeric types only
    max_value       DOUBLE,
    PRIMARY KEY (system, template_id, position)
);
-- Every distinct value of every slot, for matching values named in a question.
CREATE TABLE parameter_values (
    system      VARCHAR NOT NULL,
    template_id VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    value       VARCHAR NOT NULL,
    count       BIGINT NOT NULL
);
-- One LogQL recipe per template: a line filter selecting exactly its lines and an
-- extraction giving its parameters as labels, with the result of running both on the engine.
CREATE TABLE recipes (
    system         VARCHAR NOT NULL,
    template_id    VARCHAR NOT NULL,
    line_filter    VARCHAR NOT NULL,       -- e.g. |= "Failed password for" != "invalid user"
    extraction     VARCHAR,                -- e.g. | regexp "for (?P<user>\\S+) from ..."; NULL when no slots
    selector       VARCHAR NOT NULL,       -- e.g. {system="openssh"}
    expected_count BIGINT NOT NULL,        -- lines with this template id
    matched_count  BIGINT,                 -- lines the filter selected on the engine
    extracted_ok   BIGINT,                 -- lines whose extracted labels equal the stored params
    verified       BOOLEAN NOT NULL,
    reason         VARCHAR NOT NULL,
    checked_at     TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (system, template_id)
);
-- One row per system: the session key and the shape of its sessions.
CREATE TABLE workflows (
    system          VARCHAR PRIMARY KEY,
    session_key     VARCHAR NOT NULL,      -- parameter name or header/metadata field
    key_source      VARCHAR NOT NULL,      -- 'param' | 'metadata' | 'given'
    key_slots       JSON,                  -- [[template_id, position], ...] for 'param' keys
    sessions        BIGINT NOT NULL,
    lines           BIGINT NOT NULL,       -- lines that belong to some session
    start_events    JSON,                  -- {"template_id": sessions starting with it}
    end_events      JSON,
    sequences       JSON,                  -- [{"events": [...], "sessions": n}, ...] most common first
    duration_stats  JSON,                  -- session duration seconds: min/median/mean/p95/max
    detection       JSON                   -- candidate keys and their scores
);
-- Successor frequencies of the event graph; src '<start>' / dst '<end>' mark session ends.
CREATE TABLE workflow_edges (
    system        VARCHAR NOT NULL,
    src           VARCHAR NOT NULL,
    dst           VARCHAR NOT NULL,
    count         BIGINT NOT NULL,
    probability   DOUBLE NOT NULL,         -- count / all successors of src
    median_gap_s  DOUBLE,
    mean_gap_s    DOUBLE,
    max_gap_s     DOUBLE,
    PRIMARY KEY (system, src, dst)
);
-- Natural-language descriptions; input_hash caches them across runs.
CREATE TABLE summaries (
    system      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,          -- 'template' | 'parameter' | 'workflow'
    ref         VARCHAR NOT NULL,          -- template id, 'template_id:position', or session key
    text        VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,          -- 'deterministic' or 'llm:<model>'
    input_hash  VARCHAR NOT NULL,
    PRIMARY KEY (system, kind, ref)
);
CREATE TABLE embeddings (
    system      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    ref         VARCHAR NOT NULL,
    model       VARCHAR NOT NULL,
    text_hash   VARCHAR NOT NULL,
    vector      FLOAT[] NOT NULL,
    PRIMARY KEY (system, kind, ref)
);
-- What each stage last saw, for incremental indexing.
CREATE TABLE index_state (
    system      VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,
    entries     BIGINT NOT NULL,
    fingerprint VARCHAR,
    finished_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (system, stage)
);
