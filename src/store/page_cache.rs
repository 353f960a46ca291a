//! SQLite's own page cache, with one key moved: the temporary key a B-tree rebalance parks a page under.
//!
//! When a rebalance gives sibling pages new numbers, SQLite swaps two of them through a temporary key: the
//! number of the pending-byte page (page 262,145 with 4 KiB pages, one past the first GiB), which is never a
//! real page. The cache remembers the largest key it has seen since its last truncation, and the commit
//! truncates the cache to the database's size: with that largest key past the end, the truncation walks
//! the whole cache (with the writer's 32 MiB, some 8,000 pages) instead of the few slots past the end. A
//! database under 1 GiB pays that walk at the commit after each such swap, and index updates in the middle
//! of a B-tree swap in most transactions: 7.6 % of the writer's time in a run of state changes (`perf`,
//! 2026-12-06; BENCH.md "Writes, sixth round").
//!
//! This module installs SQLite's default cache behind a thin layer that files the temporary key under key
//! 0 instead: no page has it (SQLite rejects page 0 before it looks in the cache), and truncations never
//! reach it (their limit is at least 1). A page sits there only between two calls of one swap, with nothing
//! in between. Everything else goes straight through. `PENDING_BYTE` is SQLite's fixed default; only
//! SQLite's own test harness moves it (a test control Baton never calls).
//!
//! It must be installed before SQLite is first used in the process ([`install`], from `main`); after that
//! SQLite refuses the configuration and the default cache stays, unchanged.

use rusqlite::ffi;
use std::ffi::{c_int, c_uint};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The byte SQLite's file locks use (`PENDING_BYTE`): its page is never a database page.
const PENDING_BYTE: u32 = 0x4000_0000;

/// The key the temporary page is filed under.
const PARKED: c_uint = 0;

/// SQLite's default cache methods (copied out before ours replace them).
struct Methods(ffi::sqlite3_pcache_methods2);
// SAFETY: the methods are plain function pointers and SQLite's own `pArg` (null for the default cache),
// written once before any use and only read after.
unsafe impl Sync for Methods {}
unsafe impl Send for Methods {}

static DEFAULT: OnceLock<Methods> = OnceLock::new();
static INSTALLED: OnceLock<bool> = OnceLock::new();
static PARKED_SWAPS: AtomicU64 = AtomicU64::new(0);

/// One cache: SQLite's, and the temporary key for its page size.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    temporary: c_uint,
}

/// The temporary key of a cache of `page_size` pages: the pending-byte page's number.
fn temporary_key(page_size: c_int) -> c_uint {
    PENDING_BYTE / page_size.max(1) as u32 + 1
}

/// Where `key` is filed.
fn filed(cache: &Cache, key: c_uint) -> c_uint {
    if key == cache.temporary {
        PARKED
    } else {
        key
    }
}

/// Installs the layer; `false` when SQLite was already in use in this process (the default cache stays).
///
/// # Safety
/// SQLite's configuration takes no lock: no other thread may use SQLite while this runs. Call it from
/// `main` before anything else starts.
pub unsafe fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        let mut default = std::mem::MaybeUninit::<ffi::sqlite3_pcache_methods2>::zeroed();
        // SAFETY: SQLite fills the struct (its default methods) or refuses once it has been initialized.
        let got =
            unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, default.as_mut_ptr()) };
        if got != ffi::SQLITE_OK {
            return false;
        }
        // SAFETY: filled by the successful call above.
        let d = unsafe { default.assume_init() };
        if d.xCreate.is_none() || d.xFetch.is_none() || d.xRekey.is_none() || d.xDestroy.is_none() {
            return false;
        }
        let ours = ffi::sqlite3_pcache_methods2 {
            iVersion: d.iVersion,
            pArg: d.pArg,
            xInit: d.xInit,
            xShutdown: d.xShutdown,
            xCreate: Some(create),
            xCachesize: Some(cachesize),
            xPagecount: Some(pagecount),
            xFetch: Some(fetch),
            xUnpin: Some(unpin),
            xRekey: Some(rekey),
            xTruncate: Some(truncate),
            xDestroy: Some(destroy),
            xShrink: Some(shrink),
        };
        if DEFAULT.set(Methods(d)).is_err() {
            return false;
        }
        // SAFETY: SQLite copies the struct; nothing has used SQLite yet (GETPCACHE2 succeeded).
        unsafe {
            ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_PCACHE2,
                &ours as *const ffi::sqlite3_pcache_methods2,
            ) == ffi::SQLITE_OK
        }
    })
}

/// How many swaps parked a page under the moved key so far.
pub fn parked_swaps() -> u64 {
    PARKED_SWAPS.load(Ordering::Relaxed)
}

/// SQLite's methods (always set before SQLite can call any method below).
fn default() -> Option<&'static ffi::sqlite3_pcache_methods2> {
    DEFAULT.get().map(|m| &m.0)
}

/// # Safety
/// `p` is a handle [`create`] returned and SQLite has not destroyed.
unsafe fn cache<'a>(p: *mut ffi::sqlite3_pcache) -> &'a Cache {
    &*(p as *const Cache)
}

unsafe extern "C" fn create(
    page_size: c_int,
    extra: c_int,
    purgeable: c_int,
) -> *mut ffi::sqlite3_pcache {
    let Some(create) = default().and_then(|d| d.xCreate) else {
        return std::ptr::null_mut();
    };
    let inner = create(page_size, extra, purgeable);
    if inner.is_null() {
        return inner;
    }
    let temporary = temporary_key(page_size);
    Box::into_raw(Box::new(Cache { inner, temporary })) as *mut ffi::sqlite3_pcache
}

unsafe extern "C" fn cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    if let Some(f) = default().and_then(|d| d.xCachesize) {
        f(cache(p).inner, n)
    }
}

unsafe extern "C" fn pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    default()
        .and_then(|d| d.xPagecount)
        .map_or(0, |f| f(cache(p).inner))
}

unsafe extern "C" fn fetch(
    p: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    let c = cache(p);
    default()
        .and_then(|d| d.xFetch)
        .map_or(std::ptr::null_mut(), |f| f(c.inner, filed(c, key), create))
}

unsafe extern "C" fn unpin(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    discard: c_int,
) {
    if let Some(f) = default().and_then(|d| d.xUnpin) {
        f(cache(p).inner, page, discard)
    }
}

unsafe extern "C" fn rekey(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    let c = cache(p);
    if new == c.temporary {
        PARKED_SWAPS.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(f) = default().and_then(|d| d.xRekey) {
        f(c.inner, page, filed(c, old), filed(c, new))
    }
}

unsafe extern "C" fn truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    if let Some(f) = default().and_then(|d| d.xTruncate) {
        f(cache(p).inner, limit)
    }
}

unsafe extern "C" fn destroy(p: *mut ffi::sqlite3_pcache) {
    let c = Box::from_raw(p as *mut Cache);
    if let Some(f) = default().and_then(|d| d.xDestroy) {
        f(c.inner)
    }
}

unsafe extern "C" fn shrink(p: *mut ffi::sqlite3_pcache) {
    if let Some(f) = default().and_then(|d| d.xShrink) {
        f(cache(p).inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_key_is_the_pending_byte_page() {
        // SQLite's PENDING_BYTE_PAGE for the page sizes it allows.
        assert_eq!(temporary_key(4096), 262_145);
        assert_eq!(temporary_key(512), 2_097_153);
        assert_eq!(temporary_key(65536), 16_385);
        let c = Cache {
            inner: std::ptr::null_mut(),
            temporary: temporary_key(4096),
        };
        assert_eq!(filed(&c, 262_145), PARKED);
        for key in [1, 2, 262_144, 262_146, 131_073] {
            assert_eq!(filed(&c, key), key);
        }
    }
}
