-- LLM access: every chat/embedding call (the call log) and the response cache.
-- call_id is assigned by the writer (max + 1 under a lock) so the table needs no sequence.
CREATE TABLE llm_calls (
    call_id           BIGINT PRIMARY KEY,
    ts                TIMESTAMP NOT NULL DEFAULT current_timestamp,
    stage             VARCHAR NOT NULL,        -- caller's pipeline stage: plan, summarize, chat, embed, ...
    kind              VARCHAR NOT NULL,        -- 'chat' or 'embed'
    provider          VARCHAR NOT NULL,        -- openai | local
    model             VARCHAR NOT NULL,
    prompt            VARCHAR NOT NULL,        -- JSON list of messages (chat) or of texts (embed)
    params            JSON,                    -- temperature, max_tokens, json_schema, ...
    response          VARCHAR,                 -- model text (NULL when the call failed)
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_s         DOUBLE,
    cache_hit         BOOLEAN NOT NULL DEFAULT false,
    attempts          INTEGER NOT NULL DEFAULT 1,
    error             VARCHAR                  -- one-line error, NULL on success
);
CREATE TABLE llm_cache (
    cache_key         VARCHAR PRIMARY KEY,     -- sha256 of canonical JSON (provider, model, messages, params)
    provider          VARCHAR NOT NULL,
    model             VARCHAR NOT NULL,
    response          VARCHAR NOT NULL,        -- model text
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    finish_reason     VARCHAR,
    created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    hits              BIGINT NOT NULL DEFAULT 0
);
