"""Schema migrations, applied in order; ``PRAGMA user_version`` records how many have run.
Never edit a released migration: append a new one."""

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
CREATE TABLE documents (id TEXT PRIMARY KEY, uri TEXT NOT NULL, format TEXT NOT NULL, url TEXT, outlet TEXT,
    published TEXT, title TEXT, encoding TEXT, content TEXT NOT NULL);
CREATE TABLE rejections (uri TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, stage TEXT NOT NULL,
    PRIMARY KEY (uri, code));
CREATE TABLE articles (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id), title TEXT,
    text TEXT NOT NULL, paragraphs TEXT NOT NULL, source_spans TEXT NOT NULL, uri TEXT NOT NULL, url TEXT,
    outlet TEXT, published TEXT, author TEXT, language TEXT, canonical_id TEXT, similarity REAL NOT NULL,
    norm_hash TEXT NOT NULL);
CREATE INDEX articles_norm_hash ON articles(norm_hash);
CREATE INDEX articles_doc ON articles(doc_id);
CREATE TABLE headlines (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id), text TEXT NOT NULL,
    teaser TEXT, position INTEGER NOT NULL, span_start INTEGER NOT NULL, span_end INTEGER NOT NULL, outlet TEXT,
    published TEXT, language TEXT);
CREATE TABLE furniture (doc_id TEXT NOT NULL REFERENCES documents(id), span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL, reason TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (doc_id, span_start));
CREATE TABLE embeddings (record_id TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (record_id, model));
CREATE TABLE threads (id TEXT PRIMARY KEY, label TEXT NOT NULL, centroid BLOB, n_stories INTEGER);
CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT NOT NULL, thread_id TEXT REFERENCES threads(id),
    first_published TEXT, last_published TEXT, n_articles INTEGER NOT NULL DEFAULT 0,
    n_headlines INTEGER NOT NULL DEFAULT 0, n_outlets INTEGER NOT NULL DEFAULT 0, centroid BLOB, n_vectors INTEGER);
CREATE TABLE story_articles (article_id TEXT PRIMARY KEY REFERENCES articles(id),
    story_id TEXT NOT NULL REFERENCES stories(id));
CREATE INDEX story_articles_story ON story_articles(story_id);
CREATE TABLE story_headlines (headline_id TEXT PRIMARY KEY REFERENCES headlines(id),
    story_id TEXT NOT NULL REFERENCES stories(id));
CREATE INDEX story_headlines_story ON story_headlines(story_id);
CREATE TABLE entities (article_id TEXT NOT NULL REFERENCES articles(id), span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL, text TEXT NOT NULL, label TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (article_id, span_start));
CREATE INDEX entities_key ON entities(key);
CREATE TABLE figures (id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id), text TEXT NOT NULL,
    value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL, unit TEXT, qualifier TEXT, sentence TEXT NOT NULL,
    span_start INTEGER NOT NULL, span_end INTEGER NOT NULL);
CREATE INDEX figures_article ON figures(article_id);
CREATE TABLE claims (id TEXT PRIMARY KEY, story_id TEXT NOT NULL REFERENCES stories(id), subject TEXT NOT NULL,
    status TEXT NOT NULL, figure_ids TEXT NOT NULL, lineages INTEGER NOT NULL, summary TEXT NOT NULL);
CREATE INDEX claims_story ON claims(story_id);
CREATE TABLE briefings (story_id TEXT PRIMARY KEY REFERENCES stories(id), title TEXT NOT NULL, json TEXT NOT NULL)
""",
    # 2: dedup's streaming index (signatures and an LSH band table, read per batch, so memory stays bounded) and
    # passages (sentences and paragraphs, by normalised-text hash) with every article and offset that carries them.
    """
CREATE TABLE dedup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE dedup_signatures (sig INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, lineage TEXT NOT NULL,
    exact_key INTEGER NOT NULL, n_shingles INTEGER NOT NULL, signature BLOB NOT NULL);
CREATE INDEX dedup_signatures_exact ON dedup_signatures(exact_key);
CREATE INDEX dedup_signatures_lineage ON dedup_signatures(lineage);
CREATE INDEX articles_canonical ON articles(canonical_id);
CREATE TABLE lsh_buckets (bucket INTEGER NOT NULL, sig INTEGER NOT NULL, PRIMARY KEY (bucket, sig)) WITHOUT ROWID;
CREATE TABLE passages (passage INTEGER NOT NULL, article_id TEXT NOT NULL, span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (passage, article_id, span_start)) WITHOUT ROWID;
CREATE INDEX passages_article ON passages(article_id)
""",
    # 3: online clustering state: the word statistics, each story's and thread's summed TF-IDF vector, thread
    # time spans, and aliases that keep the ids of merged stories working.
    """
ALTER TABLE stories ADD COLUMN terms BLOB;
ALTER TABLE threads ADD COLUMN terms BLOB;
ALTER TABLE threads ADD COLUMN first_published TEXT;
ALTER TABLE threads ADD COLUMN last_published TEXT;
CREATE TABLE cluster_state (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE story_aliases (old_id TEXT PRIMARY KEY, story_id TEXT NOT NULL)
""",
    # 4: facts: what a figure counts, its stated time and attribution; events (who did what to whom, when);
    # claims of every kind (figure, event, statement) with their evidence sentences.
    """
ALTER TABLE figures ADD COLUMN counted TEXT;
ALTER TABLE figures ADD COLUMN time_text TEXT;
ALTER TABLE figures ADD COLUMN time_start TEXT;
ALTER TABLE figures ADD COLUMN time_end TEXT;
ALTER TABLE figures ADD COLUMN attribution TEXT;
CREATE TABLE events (id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id), predicate TEXT NOT NULL,
    actor TEXT, actor_keys TEXT NOT NULL, target TEXT, target_keys TEXT NOT NULL, negated INTEGER NOT NULL,
    time_text TEXT, time_start TEXT, time_end TEXT, attribution TEXT, sentence TEXT NOT NULL,
    span_start INTEGER NOT NULL, span_end INTEGER NOT NULL);
CREATE INDEX events_article ON events(article_id);
ALTER TABLE claims ADD COLUMN kind TEXT NOT NULL DEFAULT 'figure';
ALTER TABLE claims ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'
""",
    # 5: full-text search for the reader and the API (FTS5 over article titles and text, and headlines), kept
    # in step with their tables by triggers; external-content tables, so the text is stored once.
    """
CREATE VIRTUAL TABLE article_search USING fts5(title, text, content='articles', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER article_search_insert AFTER INSERT ON articles BEGIN INSERT INTO article_search(rowid, title, text) VALUES (new.rowid, new.title, new.text); END;
CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN INSERT INTO article_search(article_search, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); END;
CREATE TRIGGER article_search_update AFTER UPDATE OF title, text ON articles BEGIN INSERT INTO article_search(article_search, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); INSERT INTO article_search(rowid, title, text) VALUES (new.rowid, new.title, new.text); END;
INSERT INTO article_search(article_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE headline_search USING fts5(text, teaser, content='headlines', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER headline_search_insert AFTER INSERT ON headlines BEGIN INSERT INTO headline_search(rowid, text, teaser) VALUES (new.rowid, new.text, new.teaser); END;
CREATE TRIGGER headline_search_delete AFTER DELETE ON headlines BEGIN INSERT INTO headline_search(headline_search, rowid, text, teaser) VALUES ('delete', old.rowid, old.text, old.teaser); END;
CREATE TRIGGER headline_search_update AFTER UPDATE OF text, teaser ON headlines BEGIN INSERT INTO headline_search(headline_search, rowid, text, teaser) VALUES ('delete', old.rowid, old.text, old.teaser); INSERT INTO headline_search(rowid, text, teaser) VALUES (new.rowid, new.text, new.teaser); END;
INSERT INTO headline_search(headline_search) VALUES ('rebuild');
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX headlines_outlet ON headlines(outlet)
""",
    # 6: a thread's count of member vectors (articles and headlines of its stories) was named n_stories
    """
ALTER TABLE threads RENAME COLUMN n_stories TO n_vectors
""",
    # 7: parts of headline-only stories clustered in two levels (cluster/online.py HeadlineGroups): a part's
    # vectors, its headlines (a JSON list) and its story, which may change while the part is live
    """
CREATE TABLE headline_parts (id TEXT PRIMARY KEY, story_id TEXT NOT NULL, title TEXT NOT NULL, centroid BLOB NOT NULL,
    terms BLOB, n_vectors INTEGER NOT NULL, first_published TEXT, last_published TEXT, headline_ids TEXT NOT NULL)
""",
    # 8: a story's outlets are its known outlets: articles of unknown outlet were each counted as one (issue 17)
    """
UPDATE stories SET n_outlets=(SELECT count(DISTINCT a.outlet) FROM story_articles sa JOIN articles a ON a.id=sa.article_id WHERE sa.story_id=stories.id)
""",
    # 9: `newsloom collect` (collect/state.py): the sources as given and where they live now; their feeds,
    # sitemaps and home pages with the validators of conditional GET; every article URL met and what became of it
    # (an article waiting for a later poll keeps what its listing said of it);
    # robots.txt per origin. Documents carry the author a feed gives.
    """
CREATE TABLE collect_sources (given TEXT PRIMARY KEY, url TEXT NOT NULL, kind TEXT NOT NULL, name TEXT,
    status TEXT NOT NULL DEFAULT 'active', added TEXT NOT NULL, last_poll TEXT, last_error TEXT,
    errors INTEGER NOT NULL DEFAULT 0);
CREATE TABLE collect_resources (url TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, etag TEXT,
    last_modified TEXT, last_fetch REAL, status TEXT NOT NULL DEFAULT 'active');
CREATE INDEX collect_resources_source ON collect_resources(source);
CREATE TABLE collect_seen (url TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL, doc_id TEXT,
    reason TEXT, at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, listing TEXT);
CREATE INDEX collect_seen_pending ON collect_seen(source, status);
CREATE TABLE collect_robots (origin TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL,
    fetched REAL NOT NULL);
ALTER TABLE documents ADD COLUMN author TEXT
""",
    # 10: what a figure counts, in words from the sentence's parse (facts/figures.py quantity_phrase)
    """
ALTER TABLE figures ADD COLUMN quantity TEXT
""",
]
