//! The history in IndexedDB: one database per history (named by
//! `history::key`, never by a token), one object store of records keyed
//! by `[time, uid]`, each record the compact line `Record::encode` writes.
//!
//! Writes go in one transaction per conversation update (one per
//! animation frame in a flood). Reading back joins many records into one
//! string in the browser and parses it in Rust, so a long history crosses
//! into wasm in a few calls.
//!
//! Several tabs on one history: the tab holding the history's Web Lock
//! writes what it receives; the others write only their own messages. The
//! writer keeps the server's copy of those too, and reading leaves it out
//! (`history::Copies`).

use std::{
    cell::{Cell, RefCell},
    future::Future,
    pin::Pin,
    rc::Rc,
};

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransactionMode,
};

use wschat_core::{
    chat::Change,
    history::{read_all, Copies, Record},
};

use crate::tabs::lock_manager;

const STORE: &str = "entries";
/// Stored records (batches of entries) read in one request, at first: a
/// page of small ones grows to [`MAX_PAGE`], one of large ones shrinks, so
/// a page holds a few megabytes whatever the records hold.
const PAGE: u32 = 32;
const MAX_PAGE: u32 = 4096;
/// The text a page aims for, in bytes.
const PAGE_BYTES: usize = 4 << 20;

/// The page's history, where it has one: what the app, the connection's
/// callback and the conversation's search, recall and export share.
pub type SharedHistory =
    leptos::prelude::StoredValue<Option<Rc<History>>, leptos::prelude::LocalStorage>;

/// An open history.
pub struct History {
    db: IdbDatabase,
    name: String,
    /// Whether this tab holds the history's lock, and so writes what it
    /// receives.
    writer: Rc<Cell<bool>>,
    /// Lets go of the history's lock, once this tab holds it.
    release: Rc<RefCell<Option<Function>>>,
}

/// Records read from the history, and where the next ones start.
#[derive(Default)]
pub struct Page {
    pub records: Vec<Record>,
    /// Something unreadable was left out.
    pub broken: bool,
    /// Bytes of text read.
    pub bytes: usize,
    /// The key of the last stored record read: the next page comes after
    /// it. None past the end.
    pub next: Option<(f64, f64)>,
}

impl Drop for History {
    fn drop(&mut self) {
        if let Some(release) = self
            .release
            .try_borrow_mut()
            .ok()
            .and_then(|mut release| release.take())
        {
            let _ = release.call0(&JsValue::NULL);
        }
        self.db.close();
    }
}

impl History {
    /// Opens the history named `name`, creating it the first time. None
    /// where the browser has no IndexedDB (some private modes) or refuses.
    pub fn open(name: &str) -> Pin<Box<dyn Future<Output = Option<History>>>> {
        // Boxed: its two callers share one copy of the state machine.
        Box::pin(Self::open_now(name.to_owned()))
    }

    async fn open_now(name: String) -> Option<History> {
        let factory = web_sys::window()?.indexed_db().ok()??;
        let request: IdbOpenDbRequest = factory.open_with_u32(&name, 1).ok()?;
        let upgrade = Closure::once_into_js(move |event: web_sys::Event| {
            let db = event
                .target()
                .and_then(|target| target.dyn_into::<IdbRequest>().ok())
                .and_then(|request| request.result().ok())
                .and_then(|db| db.dyn_into::<IdbDatabase>().ok());
            if let Some(db) = db {
                let _ = db.create_object_store(STORE);
            }
        });
        request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db = done(&request).await.ok()?.dyn_into::<IdbDatabase>().ok()?;
        // Another tab forgetting this history waits until every tab has
        // closed it: close at once when asked.
        if let Some(close) = Reflect::get(&db, &JsValue::from_str("close"))
            .ok()
            .and_then(|close| close.dyn_into::<Function>().ok())
        {
            db.set_onversionchange(Some(&close.bind0(&db)));
        }
        let history = History {
            db,
            name,
            writer: Rc::default(),
            release: Rc::default(),
        };
        history.claim_writing();
        Some(history)
    }

    /// Whether this tab writes what it receives: it holds the history's
    /// lock (taken a moment after opening), or the browser has no locks.
    pub fn is_writer(&self) -> bool {
        self.writer.get()
    }

    /// The database's name, to forget it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Asks for the history's Web Lock: this tab writes what it receives
    /// once it holds it, until the page goes or the history is closed. A
    /// free lock comes a moment later, before the socket can open (the page
    /// is laid out first); a held one when the tabs before this one have
    /// gone. Without Web Locks every tab writes.
    fn claim_writing(&self) {
        let Some(locks) = lock_manager() else {
            self.writer.set(true);
            return;
        };
        let writer = Rc::clone(&self.writer);
        let release = Rc::clone(&self.release);
        let hold = Closure::once_into_js(move |_: JsValue| -> JsValue {
            writer.set(true);
            // Held until `History::drop` lets go.
            Promise::new(&mut |resolve, _| {
                if let Ok(mut release) = release.try_borrow_mut() {
                    *release = Some(resolve);
                }
            })
            .into()
        });
        let _ = locks.request(&self.name, &js_sys::Object::new(), &hold);
    }

    /// Makes the changes in one transaction: the received entries in one
    /// record (keyed by the first), the user's own one record each, since
    /// their deliveries change. Errors are the browser's (a full quota).
    pub fn write(&self, changes: Vec<Change>) -> Result<(), JsValue> {
        if changes.is_empty() {
            return Ok(());
        }
        let store = self.store(IdbTransactionMode::Readwrite)?;
        let mut batch = String::new();
        let mut first = None;
        for change in changes {
            match change {
                Change::Put(record) if record.delivery.is_none() => {
                    if self.writer.get() {
                        first.get_or_insert((record.time_ms, record.uid));
                        batch.push_str(&record.encode());
                    }
                }
                Change::Put(record) => {
                    store
                        .put_with_key(&record.encode().into(), &key(record.time_ms, record.uid))?;
                }
                Change::Delete(time_ms, uid) => {
                    store.delete(&key(time_ms, uid))?;
                }
            }
        }
        if let Some((time_ms, uid)) = first {
            store.put_with_key(&batch.into(), &key(time_ms, uid))?;
        }
        Ok(())
    }

    /// The records after the one kept under `after` (from the first when
    /// None), oldest first, a few stored batches at a time.
    pub async fn read(&self, after: Option<(f64, f64)>, limit: u32) -> Result<Page, JsValue> {
        let store = self.store(IdbTransactionMode::Readonly)?;
        let range = match after {
            Some((time_ms, uid)) => {
                IdbKeyRange::lower_bound_with_open(&key(time_ms, uid), true)?.into()
            }
            None => JsValue::UNDEFINED,
        };
        let keys = store.get_all_keys_with_key_and_limit(&range, limit)?;
        let values = done(&store.get_all_with_key_and_limit(&range, limit)?).await?;
        let mut page = Page::default();
        for value in values
            .dyn_into::<Array>()
            .iter()
            .flat_map(|values| values.iter())
        {
            let text = value.as_string().unwrap_or_default();
            page.bytes += text.len();
            let (records, broken) = read_all(&text);
            page.broken |= broken;
            page.records.extend(records);
        }
        // Requests of one transaction finish in order: the keys are in.
        let last = keys
            .result()?
            .dyn_into::<Array>()
            .ok()
            .map(|keys| keys.at(-1));
        page.next = last.and_then(|last| {
            let last = last.dyn_into::<Array>().ok()?;
            Some((last.get(0).as_f64()?, last.get(1).as_f64()?))
        });
        Ok(page)
    }

    /// Reads the records after the one kept under `after` (from the first
    /// when None), page by page, oldest first, while `each` asks for more.
    /// One loop for every reader, so the bundle holds one.
    pub async fn scan(&self, mut after: Option<(f64, f64)>, each: &mut dyn FnMut(Page) -> bool) {
        let mut limit = PAGE;
        let mut copies = Copies::default();
        while let Ok(mut page) = self.read(after, limit).await {
            page.records.retain(|record| copies.keep(record));
            after = page.next;
            limit = if page.bytes < PAGE_BYTES / 2 {
                (limit * 2).min(MAX_PAGE)
            } else {
                (limit / 2).max(1)
            };
            if !each(page) || after.is_none() {
                break;
            }
        }
    }

    fn store(&self, mode: IdbTransactionMode) -> Result<IdbObjectStore, JsValue> {
        self.db
            .transaction_with_str_and_mode(STORE, mode)?
            .object_store(STORE)
    }
}

/// Forgets the history named `name`.
pub fn forget(name: &str) {
    if let Some(factory) = web_sys::window().and_then(|window| window.indexed_db().ok().flatten()) {
        let _ = factory.delete_database(name);
    }
}

fn key(time_ms: f64, uid: f64) -> JsValue {
    Array::of2(&time_ms.into(), &uid.into()).into()
}

/// The request's result once it succeeds, or its error.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    let result = request.result();
    request.set_onsuccess(None);
    request.set_onerror(None);
    result
}
