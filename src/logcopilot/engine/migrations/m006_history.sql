-- Questions asked (``logcopilot ask`` and ``POST /api/v1/ask``), answered or not, newest
-- with the highest id. The listing columns are copied out of the full record so the history
-- list needs no JSON parsing; ``record`` is the whole answer as the API returned it.
CREATE SEQUENCE history_ids START 1;
CREATE TABLE history (
    id         BIGINT PRIMARY KEY DEFAULT nextval('history_ids'),
    asked_at   TIMESTAMP NOT NULL,       -- UTC
    source     VARCHAR NOT NULL,         -- 'cli' | 'api'
    system     VARCHAR NOT NULL,
    question   VARCHAR NOT NULL,
    planner    VARCHAR NOT NULL,         -- the planner that answered ('rules', 'knowledge', ...) or the one asked for
    llm        VARCHAR NOT NULL,         -- the LLM asked for: none | local | openai | auto
    ok         BOOLEAN NOT NULL,
    answer     VARCHAR NOT NULL,
    value      JSON,
    logql      VARCHAR NOT NULL,
    seconds    DOUBLE,
    llm_calls  INTEGER,
    record     JSON NOT NULL
);
