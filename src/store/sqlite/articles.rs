//! Published articles: writing them with their label rows, and the queries
//! `publish` and `status` read them with.

use crate::model::{Article, Channel};
use crate::store::changes::ChangedChannels;
use crate::store::error::{SqlContext, StoreError};
use crate::store::records::{LabelInfo, LabelKind, NEVER, hidden_until, label_rows};
use crate::store::sqlite::columns::{from_json, micros, time, to_json};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Inserts or replaces `article` and its label rows; `changed` gains the
/// channels it leaves and the channels it enters.
pub(crate) fn write(
    conn: &Connection,
    article: &Article,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    add_stored(conn, &article.id, changed)?;
    changed.add_article(article);
    let hidden = write_row(conn, article, &to_json(article)?)?;
    conn.prepare_cached("DELETE FROM labels WHERE article_id = ?1")
        .and_then(|mut statement| statement.execute([&article.id]))
        .context(conn, "clear an article's labels")?;
    if hidden.is_some() {
        return Ok(());
    }
    write_labels(conn, article)
}

/// Every channel the stored article `id` appears in now, before it is
/// rewritten; nothing when it is not stored.
fn add_stored(
    conn: &Connection,
    id: &str,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    let row: Option<(Option<String>, bool)> = conn
        .prepare_cached("SELECT section, breaking FROM articles WHERE id = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .context(conn, "read an article's channels")?;
    let Some((section, breaking)) = row else {
        return Ok(());
    };
    changed.add(Channel::All);
    if breaking {
        changed.add(Channel::Breaking);
    }
    if let Some(section) = section {
        changed.add(Channel::Section(section));
    }
    let labels: Vec<(String, String)> = conn
        .prepare_cached("SELECT kind, slug FROM labels WHERE article_id = ?1")
        .and_then(|mut statement| {
            statement
                .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .context(conn, "read an article's labels")?;
    for (kind, slug) in labels {
        if let Some(kind) = LabelKind::from_column(&kind) {
            changed.add(kind.channel(slug));
        }
    }
    Ok(())
}

/// Inserts a brand-new `article`, already serialized as `json`: it has no
/// label rows to clear. `changed` gains its channels.
pub(crate) fn insert_new(
    conn: &Connection,
    article: &Article,
    json: &str,
    changed: &mut ChangedChannels,
) -> Result<(), StoreError> {
    changed.add_article(article);
    if write_row(conn, article, json)?.is_some() {
        return Ok(());
    }
    write_labels(conn, article)
}

/// Publishes the embargoed articles whose embargo has passed by `now`.
pub(crate) fn release_embargoes(
    conn: &Connection,
    now: DateTime<Utc>,
    changed: &mut ChangedChannels,
) -> Result<usize, StoreError> {
    let due: Vec<(String, String)> = conn
        .prepare_cached("SELECT id, json FROM articles WHERE hidden_until <= ?1")
        .and_then(|mut statement| {
            statement
                .query_map([micros(now)], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .context(conn, "find articles whose embargo has passed")?;
    for (id, json) in &due {
        let article = from_json(conn, id, json)?;
        conn.prepare_cached("UPDATE articles SET hidden_until = NULL WHERE id = ?1")
            .and_then(|mut statement| statement.execute([id]))
            .context(conn, "publish an article whose embargo has passed")?;
        write_labels(conn, &article)?;
        changed.add_article(&article);
        tracing::info!(article = %id, "embargo passed: article published");
    }
    Ok(due.len())
}

/// The earliest embargo still holding an article back.
pub(crate) fn next_embargo(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let next: Option<i64> = conn
        .prepare_cached(
            "SELECT MIN(hidden_until) FROM articles
             WHERE hidden_until IS NOT NULL AND hidden_until < ?1",
        )
        .and_then(|mut statement| statement.query_row([NEVER], |row| row.get(0)))
        .context(conn, "find the next embargo")?;
    Ok(next.and_then(time))
}

/// Writes the article's row; returns until when it stays hidden.
fn write_row(conn: &Connection, article: &Article, json: &str) -> Result<Option<i64>, StoreError> {
    let published = micros(article.published);
    let hidden = hidden_until(article, Utc::now());
    conn.prepare_cached(
        "INSERT INTO articles (id, published, updated, section, breaking, json, hidden_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET published = excluded.published,
             updated = excluded.updated, section = excluded.section,
             breaking = excluded.breaking, json = excluded.json,
             hidden_until = excluded.hidden_until",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            article.id,
            published,
            micros(article.updated),
            article.section,
            article.breaking,
            json,
            hidden,
        ])
    })
    .context(conn, "write an article")?;
    Ok(hidden)
}

/// The label rows of `article` (tags, regions, language), for channel queries.
fn write_labels(conn: &Connection, article: &Article) -> Result<(), StoreError> {
    let published = micros(article.published);
    let mut insert = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO labels (article_id, kind, slug, label, published)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .context(conn, "prepare the label insert")?;
    for (kind, slug, label) in label_rows(article) {
        insert
            .execute(params![article.id, kind.column(), slug, label, published])
            .context(conn, "write an article's labels")?;
    }
    Ok(())
}

/// The stored article with this id.
/// Whether an article with this id is stored.
pub(crate) fn exists(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM articles WHERE id = ?1")
        .and_then(|mut statement| statement.exists([id]))
        .context(conn, "look up an article id")
}

pub(crate) fn read(conn: &Connection, id: &str) -> Result<Option<Article>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM articles WHERE id = ?1")
        .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
        .context(conn, "read an article")?;
    json.map(|json| from_json(conn, id, &json)).transpose()
}

/// The newest `limit` articles of `channel`, newest first by published, then
/// by id. Every variant's query is served by an index in its order, so no
/// sort happens however many articles are stored.
pub(crate) fn latest(
    conn: &Connection,
    channel: &Channel,
    limit: usize,
) -> Result<Vec<Article>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let (sql, key) = channel_query(channel);
    let rows: Vec<(String, String)> = conn
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            let read = |row: &rusqlite::Row<'_>| Ok((row.get(0)?, row.get(1)?));
            match key {
                Some(key) => statement.query_map(params![key, limit], read)?.collect(),
                None => statement.query_map(params![limit], read)?.collect(),
            }
        })
        .context(conn, "read the latest articles")?;
    rows.iter()
        .map(|(id, json)| from_json(conn, id, json))
        .collect()
}

/// The query of `channel`'s newest articles and its key (bound as `?1`;
/// the limit is the last parameter).
pub(crate) fn channel_query(channel: &Channel) -> (String, Option<&str>) {
    match channel {
        Channel::All => (
            "SELECT id, json FROM articles WHERE hidden_until IS NULL
             ORDER BY published DESC, id DESC LIMIT ?1"
                .to_owned(),
            None,
        ),
        Channel::Breaking => (
            "SELECT id, json FROM articles WHERE breaking = 1 AND hidden_until IS NULL
             ORDER BY published DESC, id DESC LIMIT ?1"
                .to_owned(),
            None,
        ),
        Channel::Section(slug) => (
            "SELECT id, json FROM articles WHERE section = ?1 AND hidden_until IS NULL
             ORDER BY published DESC, id DESC LIMIT ?2"
                .to_owned(),
            Some(slug.as_str()),
        ),
        Channel::Tag(slug) => (label_query(LabelKind::Tag), Some(slug.as_str())),
        Channel::Region(slug) => (label_query(LabelKind::Region), Some(slug.as_str())),
        Channel::Language(code) => (label_query(LabelKind::Language), Some(code.as_str())),
    }
}

fn label_query(kind: LabelKind) -> String {
    format!(
        "SELECT a.id, a.json FROM labels AS l JOIN articles AS a ON a.id = l.article_id
         WHERE l.kind = '{}' AND l.slug = ?1
         ORDER BY l.published DESC, l.article_id DESC LIMIT ?2",
        kind.column()
    )
}

/// Every tag, region and language of stored articles, by kind then slug.
pub(crate) fn labels(conn: &Connection) -> Result<Vec<LabelInfo>, StoreError> {
    // SQLite takes the bare `label` from the row holding MAX(published): the
    // newest article's wording of the label.
    let rows: Vec<(String, String, String, i64)> = conn
        .prepare_cached(
            "SELECT kind, slug, label, MAX(published), COUNT(*) FROM labels
             GROUP BY kind, slug",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(4)?))
                })?
                .collect()
        })
        .context(conn, "list labels")?;
    let mut labels: Vec<LabelInfo> = rows
        .into_iter()
        .filter_map(|(kind, slug, label, count)| {
            Some(LabelInfo {
                kind: LabelKind::from_column(&kind)?,
                slug,
                label,
                count: u64::try_from(count).unwrap_or(0),
            })
        })
        .collect();
    labels.sort_by(|a, b| (a.kind, &a.slug).cmp(&(b.kind, &b.slug)));
    Ok(labels)
}
