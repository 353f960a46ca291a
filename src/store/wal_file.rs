//! The writer's WAL file, written once per commit instead of twice per page.
//!
//! SQLite appends a commit to the WAL as frames, each with two `write` calls: the frame's 24-byte header,
//! then the page. A state change commits some ten frames (twenty-odd system calls), and the kernel's cost is
//! mostly per call: on this machine 86 calls for 43 frames took 97 µs, one call for the same bytes 25 µs
//! (BENCH.md "Writes, eighth round"). That was a quarter of the writer's time.
//!
//! This module registers a VFS ([`NAME`]) that is the default one (`unix`) with one change: writes that
//! append to a WAL file are held in memory while they continue one another, and go to the file in one call
//! (in pieces of [`PIECE`]) when the page of a commit frame (a frame whose header carries the database size)
//! has been added, when a write does not continue the run, when the run reaches [`HOLD_MAX`], and before any
//! other operation on the file (a read, a sync, a truncation, its size, a file control, closing it). A write
//! over a frame already written (SQLite rewrites frames of the current transaction after a cache spill, and
//! their checksums at its commit) is passed on at once, after what is held. Two hooks on the database
//! file's WAL-index methods make the order hold whatever SQLite's path: the barrier between the two copies
//! of the WAL index's header, through which SQLite publishes a commit to readers, and any release of a
//! WAL-index lock (the write lock among them) first write what the WAL file holds. So every commit is in the
//! file, at the same offsets and in the same order as without this layer, before readers or a checkpoint can
//! see it, and nothing is held once another writer may append; frames of a transaction that is rolled back
//! are written as SQLite would have written them, past the last commit, where SQLite ignores them. Every other
//! file, and every other operation, goes straight to the default VFS.
//!
//! Only the writer's connection opens the database through it (it is the only one that appends frames).

use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

#[path = "wal_file_io.rs"]
mod io;

use io::{open, REAL_AT};

/// The VFS's name, for `Connection::open_with_flags_and_vfs`.
pub const NAME: &str = "baton-wal";
const CNAME: &CStr = c"baton-wal";

/// The most bytes held before they are written anyway (a transaction larger than this, such as a
/// scheduler batch, goes to the file in runs of this size).
pub const HOLD_MAX: usize = 1 << 20;

/// The most bytes passed on in one write: the default VFS writes at most 128 KiB - 1 per call (it masks the
/// length to 17 bits), and reports a longer write as a full disk.
const PIECE: usize = (128 << 10) - 1;

/// What a run of held bytes may keep allocated after it is written.
const KEEP: usize = 256 << 10;

/// A WAL frame header's size; its bytes 4..8 are the database size after a commit frame, 0 otherwise.
const FRAME_HEADER: usize = 24;

static WRITE_CALLS: AtomicU64 = AtomicU64::new(0);
static FILE_WRITES: AtomicU64 = AtomicU64::new(0);

#[cfg(test)]
thread_local! {
    /// This thread's `(write calls, writes)`: tests run side by side, each on a thread of its own.
    static THREAD_COUNTS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// Counts one write call SQLite made (`calls`) or one write passed on (`writes`).
fn count(calls: u64, writes: u64) {
    WRITE_CALLS.fetch_add(calls, Ordering::Relaxed);
    FILE_WRITES.fetch_add(writes, Ordering::Relaxed);
    #[cfg(test)]
    THREAD_COUNTS.with(|c| {
        let (a, b) = c.get();
        c.set((a + calls, b + writes));
    });
}

/// `(write calls SQLite made on WAL files, writes this layer made to them)` so far in this process.
pub fn write_counts() -> (u64, u64) {
    (
        WRITE_CALLS.load(Ordering::Relaxed),
        FILE_WRITES.load(Ordering::Relaxed),
    )
}

/// Whether the VFS is registered (SQLite keeps a pointer to it: it is leaked, for the life of the process).
static VFS: OnceLock<bool> = OnceLock::new();

/// Registers the VFS (once; not as the default). Returns its name, or `None` when SQLite has no default
/// VFS to wrap, in which case connections open through the default one.
pub fn register() -> Option<&'static str> {
    VFS.get_or_init(|| {
        // SAFETY: `sqlite3_vfs_find` and `sqlite3_vfs_register` are thread-safe (they initialize SQLite and
        // take its own lock); the struct handed over is leaked, so it outlives every connection.
        unsafe {
            let base = ffi::sqlite3_vfs_find(std::ptr::null());
            if base.is_null() || (*base).xOpen.is_none() {
                return false;
            }
            let b = &*base;
            let vfs = Box::into_raw(Box::new(ffi::sqlite3_vfs {
                iVersion: 2,
                szOsFile: (REAL_AT + b.szOsFile as usize) as c_int,
                mxPathname: b.mxPathname,
                pNext: std::ptr::null_mut(),
                zName: CNAME.as_ptr(),
                pAppData: base as *mut c_void,
                xOpen: Some(open),
                xDelete: Some(delete),
                xAccess: Some(access),
                xFullPathname: Some(full_pathname),
                xDlOpen: b.xDlOpen,
                xDlError: b.xDlError,
                xDlSym: b.xDlSym,
                xDlClose: b.xDlClose,
                xRandomness: Some(randomness),
                xSleep: Some(sleep),
                xCurrentTime: Some(current_time),
                xGetLastError: Some(last_error),
                xCurrentTimeInt64: Some(current_time_i64),
                xSetSystemCall: None,
                xGetSystemCall: None,
                xNextSystemCall: None,
            }));
            if ffi::sqlite3_vfs_register(vfs, 0) != ffi::SQLITE_OK {
                drop(Box::from_raw(vfs));
                return false;
            }
            true
        }
    })
    .then_some(NAME)
}

fn real_vfs(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: only called with the VFS registered above, whose `pAppData` is the default VFS.
    unsafe { (*vfs).pAppData as *mut ffi::sqlite3_vfs }
}

/// Forwards a VFS method to the default VFS.
macro_rules! forward_vfs {
    ($name:ident, $field:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(vfs: *mut ffi::sqlite3_vfs $(, $arg: $ty)*) -> $ret {
            let base = real_vfs(vfs);
            match (*base).$field {
                Some(f) => f(base $(, $arg)*),
                None => $missing,
            }
        }
    };
}

forward_vfs!(delete, xDelete, (name: *const c_char, sync: c_int) -> c_int, ffi::SQLITE_IOERR_DELETE);
forward_vfs!(access, xAccess, (name: *const c_char, flags: c_int, out: *mut c_int) -> c_int,
    ffi::SQLITE_IOERR_ACCESS);
forward_vfs!(full_pathname, xFullPathname, (name: *const c_char, n: c_int, out: *mut c_char) -> c_int,
    ffi::SQLITE_CANTOPEN);
forward_vfs!(randomness, xRandomness, (n: c_int, out: *mut c_char) -> c_int, 0);
forward_vfs!(sleep, xSleep, (micros: c_int) -> c_int, 0);
forward_vfs!(current_time, xCurrentTime, (out: *mut f64) -> c_int, ffi::SQLITE_ERROR);
forward_vfs!(last_error, xGetLastError, (n: c_int, out: *mut c_char) -> c_int, 0);
forward_vfs!(current_time_i64, xCurrentTimeInt64, (out: *mut i64) -> c_int, ffi::SQLITE_ERROR);

#[cfg(test)]
#[path = "wal_file_tests.rs"]
mod tests;
