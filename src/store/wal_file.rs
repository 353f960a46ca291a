//! The writer's WAL file, written once per commit instead of twice per page.
//!
//! SQLite appends a commit to the WAL as frames, each with two `write` calls: the frame's 24-byte header,
//! then the page. A state change commits some ten frames (twenty-odd system calls), and the kernel's cost is
//! mostly per call: on this machine 86 calls for 43 frames took 97 µs, one call for the same bytes 25 µs
//! (BENCH.md "Writes, eighth round"). That was a quarter of the writer's time.
//!
//! This module registers a VFS ([`NAME`]) that is the default one (`unix`) with one change: writes to a WAL
//! file are held in memory while they continue one another, and go to the file in one call when the page of
//! a commit frame (a frame whose header carries the database size) has been added, when the run of held
//! bytes reaches [`HOLD_MAX`], when a write does not continue the run, and before any other operation on the
//! file (a read, a sync, a truncation, its size, a file control, closing it). A commit is therefore in the
//! file, in the same order and at the same offsets as without this layer, before SQLite publishes it to
//! readers in the WAL index; a transaction that fails before its commit frame leaves frames past the last
//! commit, which SQLite ignores, as it would without this layer. Every other file, and every other
//! operation, goes straight to the default VFS.
//!
//! Only the writer's connection opens the database through it (it is the only one that appends frames).

use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

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

/// One open file: this layer's part, then the default VFS's file at [`REAL_AT`].
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    /// The methods `base` points to: the default file's, through this module.
    methods: ffi::sqlite3_io_methods,
    real: *mut ffi::sqlite3_file,
    /// The held run of a WAL file; null for every other file.
    held: *mut Held,
}

/// Where the default VFS's file starts within ours (8-byte aligned).
const REAL_AT: usize = std::mem::size_of::<File>().div_ceil(8) * 8;

/// Bytes written to a WAL file and not yet passed on.
#[derive(Default)]
struct Held {
    /// The file offset of `bytes[0]`.
    start: i64,
    bytes: Vec<u8>,
    /// The last write was a commit frame's header: the next one (its page) ends the commit.
    commit_page_next: bool,
}

impl Held {
    /// Adds a write at `offset`; false when it does not continue the run (which must be written first).
    fn add(&mut self, data: &[u8], offset: i64) -> bool {
        if self.bytes.is_empty() {
            self.start = offset;
        } else if self.start + self.bytes.len() as i64 != offset {
            return false;
        }
        self.bytes.extend_from_slice(data);
        true
    }

    /// Whether the run must be written now, after `data` was added.
    fn ends_here(&mut self, data: &[u8]) -> bool {
        let commit = std::mem::replace(
            &mut self.commit_page_next,
            data.len() == FRAME_HEADER && data[4..8] != [0; 4],
        );
        commit || self.bytes.len() >= HOLD_MAX
    }
}

fn real_vfs(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: only called with the VFS registered above, whose `pAppData` is the default VFS.
    unsafe { (*vfs).pAppData as *mut ffi::sqlite3_vfs }
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let base = real_vfs(vfs);
    let f = file as *mut File;
    let real = (file as *mut u8).add(REAL_AT) as *mut ffi::sqlite3_file;
    std::ptr::write_bytes(file as *mut u8, 0, REAL_AT);
    (*f).real = real;
    let Some(x_open) = (*base).xOpen else {
        return ffi::SQLITE_CANTOPEN;
    };
    let rc = x_open(base, name, real, flags, out_flags);
    let rm = (*real).pMethods;
    if rm.is_null() {
        return rc;
    }
    let m = &*rm;
    (*f).methods = ffi::sqlite3_io_methods {
        iVersion: m.iVersion,
        xClose: Some(close),
        xRead: m.xRead.map(|_| read as _),
        xWrite: m.xWrite.map(|_| write as _),
        xTruncate: m.xTruncate.map(|_| truncate as _),
        xSync: m.xSync.map(|_| sync as _),
        xFileSize: m.xFileSize.map(|_| file_size as _),
        xLock: m.xLock.map(|_| lock as _),
        xUnlock: m.xUnlock.map(|_| unlock as _),
        xCheckReservedLock: m.xCheckReservedLock.map(|_| reserved as _),
        xFileControl: m.xFileControl.map(|_| file_control as _),
        xSectorSize: m.xSectorSize.map(|_| sector_size as _),
        xDeviceCharacteristics: m.xDeviceCharacteristics.map(|_| characteristics as _),
        xShmMap: m.xShmMap.map(|_| shm_map as _),
        xShmLock: m.xShmLock.map(|_| shm_lock as _),
        xShmBarrier: m.xShmBarrier.map(|_| shm_barrier as _),
        xShmUnmap: m.xShmUnmap.map(|_| shm_unmap as _),
        xFetch: m.xFetch.map(|_| fetch as _),
        xUnfetch: m.xUnfetch.map(|_| unfetch as _),
    };
    if rc == ffi::SQLITE_OK && flags & ffi::SQLITE_OPEN_WAL != 0 {
        (*f).held = Box::into_raw(Box::<Held>::default());
    }
    (*f).base.pMethods = &(*f).methods;
    rc
}

/// The default VFS's file and its methods.
///
/// # Safety
/// `p` is a file [`open`] opened and SQLite has not closed.
unsafe fn parts<'a>(
    p: *mut ffi::sqlite3_file,
) -> (*mut ffi::sqlite3_file, &'a ffi::sqlite3_io_methods) {
    let real = (*(p as *mut File)).real;
    (real, &*(*real).pMethods)
}

/// Writes the held run of a WAL file, if any.
///
/// # Safety
/// As [`parts`].
unsafe fn flush(p: *mut ffi::sqlite3_file) -> c_int {
    let held = (*(p as *mut File)).held;
    if held.is_null() || (*held).bytes.is_empty() {
        return ffi::SQLITE_OK;
    }
    let h = &mut *held;
    let (real, m) = parts(p);
    let Some(x_write) = m.xWrite else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    let mut rc = ffi::SQLITE_OK;
    for (i, piece) in h.bytes.chunks(PIECE).enumerate() {
        count(0, 1);
        let at = h.start + (i * PIECE) as i64;
        rc = x_write(
            real,
            piece.as_ptr() as *const c_void,
            piece.len() as c_int,
            at,
        );
        if rc != ffi::SQLITE_OK {
            break;
        }
    }
    h.bytes.clear();
    h.bytes.shrink_to(KEEP);
    rc
}

unsafe extern "C" fn write(
    p: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let held = (*(p as *mut File)).held;
    let (real, m) = parts(p);
    if held.is_null() || amount <= 0 {
        return m
            .xWrite
            .map_or(ffi::SQLITE_IOERR_WRITE, |f| f(real, buf, amount, offset));
    }
    count(1, 0);
    let data = std::slice::from_raw_parts(buf as *const u8, amount as usize);
    let h = &mut *held;
    if !h.add(data, offset) {
        let rc = flush(p);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        h.add(data, offset);
    }
    if h.ends_here(data) {
        return flush(p);
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn close(p: *mut ffi::sqlite3_file) -> c_int {
    let flushed = flush(p);
    let f = p as *mut File;
    let (real, m) = parts(p);
    let rc = m.xClose.map_or(ffi::SQLITE_OK, |c| c(real));
    if !(*f).held.is_null() {
        drop(Box::from_raw((*f).held));
        (*f).held = std::ptr::null_mut();
    }
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        rc
    }
}

/// Forwards a method to the default VFS's file, after writing the held run when `$flush`.
macro_rules! forward {
    ($name:ident, $field:ident, $flush:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty, $missing:expr) => {
        unsafe extern "C" fn $name(p: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            if $flush {
                let rc = flush(p);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
            let (real, m) = parts(p);
            match m.$field {
                Some(f) => f(real $(, $arg)*),
                None => $missing,
            }
        }
    };
}

forward!(read, xRead, true, (buf: *mut c_void, amount: c_int, offset: i64) -> c_int, ffi::SQLITE_IOERR_READ);
forward!(truncate, xTruncate, true, (size: i64) -> c_int, ffi::SQLITE_IOERR_TRUNCATE);
forward!(sync, xSync, true, (flags: c_int) -> c_int, ffi::SQLITE_IOERR_FSYNC);
forward!(file_size, xFileSize, true, (size: *mut i64) -> c_int, ffi::SQLITE_IOERR_FSTAT);
forward!(lock, xLock, true, (level: c_int) -> c_int, ffi::SQLITE_OK);
forward!(unlock, xUnlock, true, (level: c_int) -> c_int, ffi::SQLITE_OK);
forward!(reserved, xCheckReservedLock, false, (out: *mut c_int) -> c_int, ffi::SQLITE_OK);
forward!(file_control, xFileControl, true, (op: c_int, arg: *mut c_void) -> c_int, ffi::SQLITE_NOTFOUND);
forward!(sector_size, xSectorSize, false, () -> c_int, 4096);
forward!(characteristics, xDeviceCharacteristics, false, () -> c_int, 0);
forward!(shm_map, xShmMap, false, (page: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int,
    ffi::SQLITE_IOERR_SHMMAP);
forward!(shm_lock, xShmLock, false, (offset: c_int, n: c_int, flags: c_int) -> c_int, ffi::SQLITE_IOERR_SHMLOCK);
forward!(shm_unmap, xShmUnmap, false, (delete: c_int) -> c_int, ffi::SQLITE_OK);
forward!(fetch, xFetch, true, (offset: i64, amount: c_int, out: *mut *mut c_void) -> c_int, {
    *out = std::ptr::null_mut();
    ffi::SQLITE_OK
});
forward!(unfetch, xUnfetch, false, (offset: i64, page: *mut c_void) -> c_int, ffi::SQLITE_OK);

unsafe extern "C" fn shm_barrier(p: *mut ffi::sqlite3_file) {
    let (real, m) = parts(p);
    if let Some(f) = m.xShmBarrier {
        f(real)
    }
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
