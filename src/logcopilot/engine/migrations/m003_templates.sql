-- Log templates, one row per (system, template). entries.template_id points here and
-- entries.params holds the values of the template's <*> slots, in order.
CREATE TABLE templates (
    system       VARCHAR NOT NULL,
    template_id  VARCHAR NOT NULL,         -- E12 (given file) or T + 8 hex of the text (mined)
    template     VARCHAR NOT NULL,         -- text with <*> for each variable
    slots        INTEGER NOT NULL,         -- number of <*>
    count        BIGINT NOT NULL DEFAULT 0,-- entries carrying this template id
    first_ts     BIGINT,                   -- ns, earliest entry
    last_ts      BIGINT,                   -- ns, latest entry
    example      VARCHAR,                  -- one message (Content) of the template
    origin       VARCHAR NOT NULL,         -- 'mined', 'given' (--templates file) or 'llm'
    created_at   TIMESTAMP DEFAULT current_timestamp,
    updated_at   TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (system, template_id)
);
