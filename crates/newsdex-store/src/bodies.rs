//! How the document store keeps article texts: zstd, with a dictionary trained on the
//! archive's own texts.
//!
//! A news text is short (a few kilobytes), and zstd compressing one alone cannot use what
//! it shares with the others (the language's common words, the agencies' phrasing). A
//! dictionary gives it that: trained once (on at most 4 MB) when an archive has stored
//! [`TRAIN_FROM`] long texts, and kept in the store (`zdicts`), it is used for every long
//! text stored after. Measured: 200,000 synthetic news articles (Reuters and AG News
//! texts) took 157 MB of stored texts with it against 227 MB without (BENCHMARKS.md, "Each
//! text stored once"); the demo corpus's Japanese Wikinews, 71 % of zstd alone (a test).
//! Texts stored before it was trained stay as they were; a frame names the
//! dictionary it needs (zstd's dictionary id), so every text is read back whatever it was
//! stored with. The zstd crate trains and applies dictionaries; only the choice of samples
//! and the bookkeeping are ours.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OptionalExtension};
use zstd::zstd_safe;

/// Texts shorter than this are stored as they are: compressing them saves little.
pub(crate) const COMPRESS_FROM: usize = 512;

/// Long texts an archive stores before its dictionary is trained on them.
pub(crate) const TRAIN_FROM: usize = 1000;

/// Most bytes of texts a dictionary is trained on.
const TRAIN_BYTES: usize = 4 << 20;

/// Size of a dictionary (zstd's own default).
const DICT_BYTES: usize = 112 * 1024;

/// Compression level (zstd's default).
const LEVEL: i32 = 3;

/// The dictionaries of one store: the one new texts are compressed with, and those read.
#[derive(Default)]
pub(crate) struct Dicts {
    /// Id and bytes of the dictionary texts are stored with, once there is one.
    current: Option<(u32, Arc<Vec<u8>>)>,
    /// Dictionaries read so far, prepared for decompression, by id.
    read: RefCell<HashMap<u32, Arc<zstd_safe::DDict<'static>>>>,
}

impl std::fmt::Debug for Dicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dicts").field("current", &self.current.as_ref().map(|(id, _)| id)).finish_non_exhaustive()
    }
}

impl Dicts {
    /// A writer's dictionaries: the one texts are stored with, the newest in `zdicts`
    /// (readers start empty and load what the frames they read name).
    pub(crate) fn for_writing(conn: &Connection) -> rusqlite::Result<Dicts> {
        let current = conn
            .query_row("SELECT id, dict FROM zdicts ORDER BY rowid DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u32, Arc::new(r.get::<_, Vec<u8>>(1)?)))
            })
            .optional()?;
        Ok(Dicts { current, read: RefCell::default() })
    }

    /// Whether texts are stored with a dictionary yet.
    pub(crate) fn trained(&self) -> bool {
        self.current.is_some()
    }

    /// Train a dictionary on `samples` (long texts) and keep it in `zdicts` through `conn`
    /// (the caller's transaction): texts stored from now on use it. Too few or too
    /// uniform samples train nothing, and texts go on without one.
    pub(crate) fn train(&mut self, conn: &Connection, samples: &[&[u8]]) -> rusqlite::Result<()> {
        let mut total = 0;
        let taken: Vec<&[u8]> = samples
            .iter()
            .copied()
            .take_while(|s| {
                total += s.len();
                total <= TRAIN_BYTES
            })
            .collect();
        let Ok(dict) = zstd::dict::from_samples(&taken, DICT_BYTES) else { return Ok(()) };
        let id = zstd_safe::get_dict_id(&dict).map_or(0, |id| id.get());
        if id == 0 {
            return Ok(());
        }
        conn.execute("INSERT OR REPLACE INTO zdicts (id, dict) VALUES (?1, ?2)", rusqlite::params![id as i64, dict])?;
        self.current = Some((id, Arc::new(dict)));
        Ok(())
    }

    /// `body` as the `documents` table keeps it: zstd-compressed (a BLOB, with the current
    /// dictionary if there is one) when that saves a tenth or more, else the text itself.
    pub(crate) fn stored<'b>(&self, body: &'b str) -> ToSqlOutput<'b> {
        thread_local! {
            // A context per call cost more than the compression of a short text; the
            // dictionary's id says whether the one kept is loaded with it.
            static ZSTD: RefCell<Option<(u32, zstd::bulk::Compressor<'static>)>> = const { RefCell::new(None) };
        }
        if body.len() < COMPRESS_FROM {
            return ToSqlOutput::Borrowed(ValueRef::Text(body.as_bytes()));
        }
        let (id, dict): (u32, &[u8]) = match &self.current {
            Some((id, d)) => (*id, d),
            None => (0, &[]),
        };
        let z = ZSTD.with(|c| {
            let mut c = c.borrow_mut();
            if c.as_ref().is_none_or(|(had, _)| *had != id) {
                let z = if id == 0 {
                    zstd::bulk::Compressor::new(LEVEL)
                } else {
                    zstd::bulk::Compressor::with_dictionary(LEVEL, dict)
                };
                *c = z.ok().map(|z| (id, z));
            }
            c.as_mut().and_then(|(_, z)| z.compress(body.as_bytes()).ok())
        });
        match z {
            Some(z) if z.len() * 10 <= body.len() * 9 => ToSqlOutput::Owned(Value::Blob(z)),
            _ => ToSqlOutput::Borrowed(ValueRef::Text(body.as_bytes())),
        }
    }

    /// A text as [`Dicts::stored`] wrote it (with any dictionary of this store), or as
    /// text (texts written before they were compressed). `column` names it in errors.
    pub(crate) fn read(&self, conn: &Connection, v: ValueRef<'_>, column: usize) -> rusqlite::Result<String> {
        use rusqlite::types::{FromSqlError, Type};
        let failed = |ty: Type, e: Box<dyn std::error::Error + Send + Sync>| {
            rusqlite::Error::FromSqlConversionFailure(column, ty, e)
        };
        let bytes = match v {
            ValueRef::Text(t) => t.to_vec(),
            ValueRef::Blob(z) => self.decompress(conn, z).map_err(|e| failed(Type::Blob, e.into()))?,
            other => return Err(failed(other.data_type(), Box::new(FromSqlError::InvalidType))),
        };
        String::from_utf8(bytes).map_err(|e| failed(Type::Blob, Box::new(e)))
    }

    fn decompress(&self, conn: &Connection, z: &[u8]) -> Result<Vec<u8>, String> {
        thread_local! {
            // One context per thread, kept (making one per text doubled an export's time).
            static DCTX: RefCell<zstd_safe::DCtx<'static>> = RefCell::new(zstd_safe::DCtx::create());
        }
        let size = match zstd_safe::get_frame_content_size(z) {
            Ok(Some(n)) if n <= 1 << 30 => n as usize,
            // Every frame stored here records its size; one that does not is read as a stream.
            _ => return zstd::stream::decode_all(z).map_err(|e| e.to_string()),
        };
        let ddict = match zstd_safe::get_dict_id_from_frame(z) {
            None => None,
            Some(id) => Some(self.ddict(conn, id.get())?),
        };
        let mut out = Vec::with_capacity(size);
        DCTX.with(|d| {
            let mut d = d.borrow_mut();
            match &ddict {
                Some(dict) => d.decompress_using_ddict(&mut out, z, dict),
                None => d.decompress(&mut out, z),
            }
        })
        .map_err(|code| zstd_safe::get_error_name(code).to_string())?;
        Ok(out)
    }

    /// Dictionary `id`, prepared once per store handle.
    fn ddict(&self, conn: &Connection, id: u32) -> Result<Arc<zstd_safe::DDict<'static>>, String> {
        if let Some(d) = self.read.borrow().get(&id) {
            return Ok(d.clone());
        }
        let bytes: Option<Vec<u8>> = conn
            .query_row("SELECT dict FROM zdicts WHERE id = ?1", [id as i64], |r| r.get(0))
            .optional()
            .map_err(|e| e.to_string())?;
        let bytes = bytes.ok_or_else(|| format!("compressed with dictionary {id}, which this store does not hold"))?;
        let d = Arc::new(zstd_safe::DDict::create(&bytes));
        self.read.borrow_mut().insert(id, d.clone());
        Ok(d)
    }
}
